import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { loadMigrations } from '../../packages/dbship/src/migrator/folder/files.js';
import { check } from '../../packages/dbship/src/migrator/generate/check.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseRetype, widens } from '../../packages/dbship/src/migrator/generate/online-retype.js';
import { startReleaseHeartbeat } from '../../packages/dbship/src/release-heartbeat.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeProject, NOW, usersModel, type Project } from '../helpers/generate-fixture.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';

const INTEGER_SCORE = usersModel({ columns: ["score: integer('score').notNull().default(0),"] });
const TEXT_SCORE = usersModel({ columns: ["score: text('score').notNull().default('0'),"] });
const BIGINT_SCORE = usersModel({ columns: ["score: bigint('score', { mode: 'number' }).notNull().default(0),"] });

async function columnOf(db: TestDatabase, name: string): Promise<{ type: string; nullable: string; default: string | null } | undefined> {
  const r = await db.query<{ data_type: string; is_nullable: string; column_default: string | null }>(
    `SELECT data_type, is_nullable, column_default FROM information_schema.columns WHERE table_name = 'users' AND column_name = $1`, [name]);
  const c = r.rows[0];
  return c ? { type: c.data_type, nullable: c.is_nullable, default: c.column_default } : undefined;
}

describe('online type change: generate --retype (integer -> bigint, no table rewrite)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let p: Project;
  const [expand, backfill, contract] = ['0003_widen_score_expand', '0004_widen_score_backfill', '0005_widen_score_contract'];

  before(async () => {
    db = await createTestDatabase('online_retype');
    pool = new pg.Pool({ ...clientConfig(db.connection, 'online-retype-test'), max: 2 });
    p = makeProject({ history: true });
    await generate({ dir: p.dir, name: 'add_score', schemaPath: p.models(INTEGER_SCORE), now: NOW });
    // Release N: the history with the integer column.
    const r = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
    assert.equal(r.code, 0, r.stderr);
    await db.query(`INSERT INTO users (email, name, score) SELECT 'seed' || g || '@example.org', 'Seed ' || g, g * 1000 FROM generate_series(1, 3000) AS g`);
    const result = await generate({ dir: p.dir, name: 'widen_score', schemaPath: p.models(BIGINT_SCORE), now: NOW, retype: parseRetype('users.score') });
    assert.deepEqual(result.migrations.map((m) => m.tag), [expand, backfill, contract]);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('tells widening apart, refuses a conversion it has no cast for, and writes migrations that check accepts', async () => {
    const table: Array<[string, string, boolean]> = [['integer', 'bigint', true], ['smallint', 'integer', true], ['bigint', 'integer', false], ['varchar(20)', 'varchar(80)', true], ['varchar(20)', 'text', true], ['text', 'varchar(20)', false], ['integer', 'text', false]];
    for (const [from, to, ok] of table) assert.equal(widens(from, to), ok, `${from} -> ${to}`);
    assert.deepEqual(loadMigrations(p.dir).slice(3).map((f) => f.online?.phase), ['expand', 'backfill', 'contract']);
    const report = await check({ dir: p.dir, schemaPath: makeProject({ history: false }).models(BIGINT_SCORE) });
    assert.deepEqual(report.problems, []);
    const q = makeProject({ history: true });
    await generate({ dir: q.dir, name: 'add_score', schemaPath: q.models(BIGINT_SCORE), now: NOW });
    await assert.rejects(generate({ dir: q.dir, name: 'to_text', schemaPath: q.models(TEXT_SCORE), now: NOW, retype: parseRetype('users.score') }), /bigint -> text of public\.users\.score is not supported yet/);
  });

  it('keeps a shadow bigint column equal to every write of release N; the contract waits for N', async () => {
    const n = startReleaseHeartbeat(pool, { version: '0002_add_score', instance: 'release-n/1', intervalMs: 200 });
    assert.equal(await n.beat(), true);
    const r = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /0005_widen_score_contract not applied yet/);
    assert.equal((await db.query('SELECT 1 FROM users WHERE score_dbship_new IS DISTINCT FROM score')).rowCount, 0, 'backfilled');
    await pool.query(`UPDATE users SET score = 2147483647 WHERE id = 1`);
    await pool.query(`INSERT INTO users (email, name) VALUES ('n@example.org', 'N')`);
    const rows = await db.query<{ score: number; shadow: string }>(`SELECT score, score_dbship_new AS shadow FROM users WHERE id = 1 OR email = 'n@example.org' ORDER BY id`);
    assert.deepEqual(rows.rows.map((x) => [x.score, Number(x.shadow)]), [[2147483647, 2147483647], [0, 0]]);
    const status = await runCliProcess(['status'], cliEnv(db.url, p.dir));
    assert.match(status.stdout, /open +0003_widen_score_expand: retype public\.users\.score integer -> bigint/);
    await n.stop();
  });

  it('the contract swaps the columns: bigint, NOT NULL, default kept, every value kept; its down file goes back', async () => {
    const before = await db.query<{ id: string; score: number }>('SELECT id, score FROM users ORDER BY id');
    const r = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await columnOf(db, 'score'), { type: 'bigint', nullable: 'NO', default: '0' });
    assert.equal(await columnOf(db, 'score_dbship_new'), undefined);
    assert.equal(await columnOf(db, 'score_dbship_old'), undefined);
    assert.equal((await db.query(`SELECT 1 FROM pg_trigger WHERE tgname LIKE 'dbship_sync%'`)).rowCount, 0);
    const after1 = await db.query<{ id: string; score: string }>('SELECT id, score FROM users ORDER BY id');
    assert.deepEqual(after1.rows.map((x) => [x.id, Number(x.score)]), before.rows.map((x) => [x.id, x.score]), 'every value kept');
    await db.query(`INSERT INTO users (email, score) VALUES ('big@example.org', 1099511627776)`);
    await db.query(`DELETE FROM users WHERE email = 'big@example.org'`);

    const down = await runCliProcess(['downgrade', '--steps', '1', '--yes'], cliEnv(db.url, p.dir));
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await columnOf(db, 'score'), { type: 'integer', nullable: 'NO', default: '0' });
    assert.equal((await db.query('SELECT 1 FROM users WHERE score_dbship_new IS DISTINCT FROM score')).rowCount, 0);
    const again = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await columnOf(db, 'score'), { type: 'bigint', nullable: 'NO', default: '0' });
  });
});
