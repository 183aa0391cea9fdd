import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { loadMigrations } from '../../packages/dbship/src/migrator/folder/files.js';
import { check } from '../../packages/dbship/src/migrator/generate/check.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseFill } from '../../packages/dbship/src/migrator/generate/online-fill.js';
import { startReleaseHeartbeat } from '../../packages/dbship/src/release-heartbeat.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeProject, NOW, usersModel } from '../helpers/generate-fixture.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';
import { RELEASE_N } from '../rollout/release.js';

const REQUIRED = usersModel().replace("name: text('name'),", "name: text('name').notNull(),");

describe('online NOT NULL with a fill value: generate --fill', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let dir: string;
  const [expand, backfill, contract] = ['0002_require_user_name_expand', '0003_require_user_name_backfill', '0004_require_user_name_contract'];

  before(async () => {
    db = await createTestDatabase('online_fill');
    pool = new pg.Pool({ ...clientConfig(db.connection, 'online-fill-test'), max: 2 });
    const p = makeProject({ history: true });
    dir = p.dir;
    const result = await generate({ dir, name: 'require_user_name', schemaPath: p.models(REQUIRED), now: NOW, fill: await parseFill("users.name='(unknown)'") });
    assert.deepEqual(result.migrations.map((m) => m.tag), [expand, backfill, contract]);
    const r = await runCliProcess(['deploy'], cliEnv(db.url, RELEASE_N));
    assert.equal(r.code, 0, r.stderr);
    await db.query(`INSERT INTO users (email, name) SELECT 'seed' || g || '@example.org', CASE WHEN g % 3 = 0 THEN NULL ELSE 'Seed ' || g END FROM generate_series(1, 2500) AS g`);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('parses the fill with the PostgreSQL parser and refuses column references, subqueries and extra statements', async () => {
    assert.deepEqual(await parseFill("public.users.name='x'"), { table: 'public.users', column: 'name', fill: "'x'" });
    assert.equal((await parseFill('users.created_at=now()')).fill, 'now()');
    const why = (re: RegExp) => (err: { code?: string; why?: string }) => err.code === 'USAGE' && re.test(err.why ?? '');
    await assert.rejects(parseFill('users.name=email'), why(/may not name a column/));
    await assert.rejects(parseFill('users.name=(SELECT 1)'), why(/may not name a column or run a subquery/));
    await assert.rejects(parseFill("users.name='x'); DROP TABLE users; --"), why(/not one SQL expression/));
    await assert.rejects(parseFill('users.name'), why(/names the table, the column and the value/));
  });

  it('writes three migrations that check accepts, and refuses a fill the models do not ask for', async () => {
    const files = loadMigrations(dir);
    assert.deepEqual(files.slice(2).map((f) => f.online?.phase), ['expand', 'backfill', 'contract']);
    const report = await check({ dir, schemaPath: makeProject({ history: false }).models(REQUIRED) });
    assert.deepEqual(report.problems, []);
    const p = makeProject({ history: true });
    await assert.rejects(generate({ dir: p.dir, name: 'x', schemaPath: p.models(usersModel()), now: NOW, fill: await parseFill("users.name='x'") }), /do not make this column NOT NULL/);
  });

  it('fills every NULL, old and new, while release N may still write NULL; the contract waits for N', async () => {
    const n = startReleaseHeartbeat(pool, { version: '0001_add_user_bio', instance: 'release-n/1', intervalMs: 200 });
    assert.equal(await n.beat(), true);
    const r = await runCliProcess(['deploy'], cliEnv(db.url, dir));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /0004_require_user_name_contract not applied yet/);
    assert.equal((await db.query('SELECT 1 FROM users WHERE name IS NULL')).rowCount, 0, 'the backfill filled the existing NULLs');
    assert.equal((await db.query(`SELECT 1 FROM users WHERE name = '(unknown)'`)).rowCount, 833);
    // Release N still writes NULL (its model allows it): the write succeeds and gets the fill value.
    const inserted = await pool.query<{ name: string }>(`INSERT INTO users (email) VALUES ('n@example.org') RETURNING name`);
    assert.equal(inserted.rows[0]!.name, '(unknown)');
    const updated = await pool.query<{ name: string }>(`UPDATE users SET name = NULL WHERE id = 1 RETURNING name`);
    assert.equal(updated.rows[0]!.name, '(unknown)');
    const status = await runCliProcess(['status'], cliEnv(db.url, dir));
    assert.match(status.stdout, /open +0002_require_user_name_expand: not null public\.users\.name fill '\(unknown\)'/);
    await n.stop();
  });

  it('rolls back before the contract instantly (the filled values stay), then contracts once N is gone', async () => {
    const down = await runCliProcess(['downgrade', '--steps', '2', '--yes'], cliEnv(db.url, dir));
    assert.equal(down.code, 0, down.stderr);
    assert.equal((await db.query(`SELECT 1 FROM pg_constraint WHERE conname = 'users_name_not_null'`)).rowCount, 0);
    assert.equal((await db.query(`SELECT 1 FROM pg_trigger WHERE tgname LIKE 'dbship_sync%'`)).rowCount, 0);
    await db.query(`INSERT INTO users (email, name) VALUES ('after-rollback@example.org', NULL)`);

    const r = await runCliProcess(['deploy'], cliEnv(db.url, dir));
    assert.equal(r.code, 0, r.stderr);
    const applied = (await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY seq')).rows.map((x) => x.name);
    assert.deepEqual(applied.slice(-3), [expand, backfill, contract]);
    const col = await db.query<{ is_nullable: string }>(`SELECT is_nullable FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'`);
    assert.equal(col.rows[0]!.is_nullable, 'NO');
    assert.equal((await db.query(`SELECT 1 FROM pg_constraint WHERE conname = 'users_name_not_null'`)).rowCount, 0, 'the temporary check is gone');
    const late = await db.query<{ name: string }>(`SELECT name FROM users WHERE email = 'after-rollback@example.org'`);
    assert.equal(late.rows[0]!.name, '(unknown)', 'a NULL written after the rollback was filled by the re-run');
    await assert.rejects(db.query(`INSERT INTO users (email) VALUES ('null@example.org')`), (err: { code?: string }) => err.code === '23502');
  });
});
