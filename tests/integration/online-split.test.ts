import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { loadMigrations, readinessTarget } from '../../packages/dbship/src/migrator/folder/files.js';
import { check } from '../../packages/dbship/src/migrator/generate/check.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseSplit } from '../../packages/dbship/src/migrator/generate/online-split.js';
import { startReleaseHeartbeat } from '../../packages/dbship/src/release-heartbeat.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeProject, NOW, usersModel } from '../helpers/generate-fixture.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';
import { JOIN_EXPR, SPLIT_EXPRS, SPLIT_MODELS, splitRelease, splitRequest } from '../helpers/online-split.js';
import { RELEASE_N } from '../rollout/release.js';

type Shape = [string | null, string | null, string | null];

/** [name, first_name, last_name] of the row with this email. */
async function shape(db: TestDatabase, email: string): Promise<Shape> {
  const r = await db.query<{ name: string | null; first_name: string | null; last_name: string | null }>('SELECT name, first_name, last_name FROM users WHERE email = $1', [email]);
  const x = r.rows[0]!;
  return [x.name, x.first_name, x.last_name];
}

// Seeded names: most round-trip through split and join; 'Ann ' and '' do not (join gives 'Ann' and NULL).
const SEED_NAME = "CASE WHEN g % 7 = 0 THEN NULL WHEN g % 50 = 1 THEN 'Ann ' WHEN g % 50 = 2 THEN '' WHEN g % 11 = 0 THEN 'Solo' || g ELSE 'First' || g || ' Last ' || g END";

describe('online split: generate --split, expand, backfill, contract gated by the release heartbeat', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let release: { dir: string; tags: string[] };
  const [expand, backfill, contract] = ['0002_split_user_name_expand', '0003_split_user_name_backfill', '0004_split_user_name_contract'];

  before(async () => {
    db = await createTestDatabase('online_split');
    pool = new pg.Pool({ ...clientConfig(db.connection, 'online-split-test'), max: 4 });
    release = await splitRelease({ batch: 100 });
    const r = await runCliProcess(['deploy'], cliEnv(db.url, RELEASE_N));
    assert.equal(r.code, 0, r.stderr);
    await db.query(`INSERT INTO users (email, name) SELECT 'seed' || g || '@example.org', ${SEED_NAME} FROM generate_series(1, 1050) AS g`);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('parses every expression with the PostgreSQL parser: one expression, only the allowed columns, no subquery', async () => {
    const s = await splitRequest();
    assert.deepEqual([s.table, s.from, s.to], ['public.users', 'name', ['first_name', 'last_name']]);
    assert.equal((await parseSplit('public.users.name=a, b', ['a=upper("name")', 'b=Name'], 'a || b')).split.b!.refs[0]!.column, 'name');
    const why = (re: RegExp) => (err: { code?: string; why?: string }) => err.code === 'USAGE' && re.test(err.why ?? '');
    const split = (exprs: string[], join: string | null = JOIN_EXPR, spec = 'users.name=first_name,last_name') => parseSplit(spec, exprs, join ?? undefined);
    await assert.rejects(split([SPLIT_EXPRS[0]!]), why(/no --split-expr for last_name/));
    await assert.rejects(split(SPLIT_EXPRS, null), why(/no --join-expr/));
    await assert.rejects(split([SPLIT_EXPRS[0]!, 'last_name=email']), why(/may name only "name" \(unqualified\), not email/));
    await assert.rejects(split([SPLIT_EXPRS[0]!, 'last_name=users.name']), why(/not users\.name/));
    await assert.rejects(split([SPLIT_EXPRS[0]!, 'last_name=(SELECT max(name) FROM users)']), why(/may not contain a subquery/));
    await assert.rejects(split([SPLIT_EXPRS[0]!, 'last_name=$1']), why(/a parameter/));
    await assert.rejects(split([SPLIT_EXPRS[0]!, 'last_name=lag(name) over ()']), why(/a window function/));
    await assert.rejects(split([SPLIT_EXPRS[0]!, "last_name=name); DROP TABLE users; --"]), why(/not one SQL expression/));
    await assert.rejects(split([...SPLIT_EXPRS, 'nick=name']), why(/once for each of first_name, last_name/));
    await assert.rejects(split(SPLIT_EXPRS, "concat_ws(' ', first_name, name)"), why(/may name only "first_name", "last_name"/));
    await assert.rejects(split(SPLIT_EXPRS, JOIN_EXPR, 'users.name=first_name'), why(/two or more new columns/));
  });

  it('writes three migrations with down files that check and lint accept; refuses what it does not carry', async () => {
    assert.deepEqual(release.tags, [expand, backfill, contract]);
    const files = loadMigrations(release.dir);
    assert.deepEqual(files.slice(2).map((f) => f.online?.phase), ['expand', 'backfill', 'contract']);
    assert.ok(files.slice(2).every((f) => f.downSql !== null));
    assert.equal(readinessTarget(files)?.name, backfill);
    const report = await check({ dir: release.dir, schemaPath: makeProject({ history: false }).models(SPLIT_MODELS) });
    assert.deepEqual(report.problems, []);
    const lint = await runCliProcess(['lint'], cliEnv(db.url, release.dir));
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);

    const p = makeProject({ history: true });
    const refused = async (models: string, re: RegExp) => {
      await assert.rejects(generate({ dir: p.dir, name: 's', schemaPath: p.models(models), now: NOW, split: await splitRequest() }), re);
    };
    await refused(SPLIT_MODELS.replace("bio: text('bio'),", "bio: text('bio').default('none'),"), /models change more than the split of public\.users\.name/);
    await refused(usersModel(), /does not match the model change/);
    await refused(SPLIT_MODELS.replace("lastName: text('last_name'),", "lastName: text('last_name').notNull(),"), /the new column "last_name" is NOT NULL, unique, a key or has a default/);
    const q = makeProject({ history: true });
    await generate({ dir: q.dir, name: 'require_name', schemaPath: q.models(usersModel().replace("name: text('name'),", "name: text('name').notNull(),")), now: NOW, allowUnsafe: true });
    await assert.rejects(generate({ dir: q.dir, name: 's', schemaPath: q.models(SPLIT_MODELS), now: NOW, split: await splitRequest() }), /"name" is NOT NULL/);
    assert.equal(loadMigrations(p.dir).length, 2, 'nothing written');
  });

  it('deploy applies expand and backfill without rewriting a name, and defers the contract while release N beats', async () => {
    const names = await db.query<{ id: string; name: string | null }>('SELECT id, name FROM users ORDER BY id');
    const n = startReleaseHeartbeat(pool, { version: '0001_add_user_bio', instance: 'release-n/1', intervalMs: 200 });
    assert.equal(await n.beat(), true);
    const r = await runCliProcess(['deploy'], cliEnv(db.url, release.dir));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /0004_split_user_name_contract not applied yet: release\(s\) older than 0002_split_user_name_expand were seen/);
    const applied = (await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY seq')).rows.map((x) => x.name);
    assert.deepEqual(applied.slice(-2), [expand, backfill]);
    const after1 = await db.query<{ id: string; name: string | null }>('SELECT id, name FROM users ORDER BY id');
    assert.deepEqual(after1.rows, names.rows, 'the backfill rewrote no name (not even those join(split(x)) changes)');
    const wrong = await db.query(`SELECT id FROM users WHERE ROW(first_name, last_name) IS DISTINCT FROM ROW(split_part(name, ' ', 1), nullif(substr(name, length(split_part(name, ' ', 1)) + 2), ''))`);
    assert.equal(wrong.rowCount, 0, 'every existing row split');
    assert.deepEqual(await shape(db, 'seed51@example.org'), ['Ann ', 'Ann', null]);
    assert.deepEqual(await shape(db, 'seed52@example.org'), ['', '', null]);
    assert.deepEqual(await shape(db, 'seed7@example.org'), [null, null, null]);
    assert.deepEqual(await shape(db, 'seed3@example.org'), ['First3 Last 3', 'First3', 'Last 3']);

    const status = await runCliProcess(['status'], cliEnv(db.url, release.dir));
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /open +0002_split_user_name_expand: split public\.users\.name -> first_name, last_name/);
    assert.match(status.stdout, /backfill: 0003_split_user_name_backfill done/);
    assert.match(status.stdout, /contract: 0004_split_user_name_contract: waits for release-n\/1/);
    const drift = await runCliProcess(['drift'], cliEnv(db.url, release.dir));
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    await n.stop();
  });

  it('keeps both shapes in step whichever release writes: inserts, updates of either side, NULLs, both sides, catch-up', async () => {
    // Inserts: release N writes the name, release N+1 the parts.
    await pool.query(`INSERT INTO users (email, name) VALUES ('n@example.org', 'Ada King Lovelace'), ('n-trailing@example.org', 'Bob '), ('n-null@example.org', NULL)`);
    await pool.query(`INSERT INTO users (email, first_name, last_name) VALUES ('n1@example.org', 'Grace', 'Hopper'), ('n1-one@example.org', 'Cher', NULL), ('n1-null@example.org', NULL, NULL)`);
    await pool.query(`INSERT INTO users (email, name, first_name, last_name) VALUES ('both@example.org', 'Old Name', 'New', 'Name')`);
    assert.deepEqual(await shape(db, 'n@example.org'), ['Ada King Lovelace', 'Ada', 'King Lovelace']);
    assert.deepEqual(await shape(db, 'n-trailing@example.org'), ['Bob ', 'Bob', null], 'N\'s value kept as written');
    assert.deepEqual(await shape(db, 'n-null@example.org'), [null, null, null]);
    assert.deepEqual(await shape(db, 'n1@example.org'), ['Grace Hopper', 'Grace', 'Hopper']);
    assert.deepEqual(await shape(db, 'n1-one@example.org'), ['Cher', 'Cher', null]);
    assert.deepEqual(await shape(db, 'n1-null@example.org'), [null, null, null]);
    assert.deepEqual(await shape(db, 'both@example.org'), ['New Name', 'New', 'Name'], 'the new columns win when both are set');

    // Updates of the old column (release N), of the new ones (release N+1), of both, of neither.
    const set = (sql: string, email: string) => pool.query(`UPDATE users SET ${sql} WHERE email = $1`, [email]);
    await set(`name = 'Ada Byron'`, 'n@example.org');
    assert.deepEqual(await shape(db, 'n@example.org'), ['Ada Byron', 'Ada', 'Byron']);
    await set(`last_name = 'Murray Hopper'`, 'n1@example.org');
    assert.deepEqual(await shape(db, 'n1@example.org'), ['Grace Murray Hopper', 'Grace', 'Murray Hopper']);
    await set('first_name = NULL, last_name = NULL', 'n@example.org');
    assert.deepEqual(await shape(db, 'n@example.org'), [null, null, null]);
    await set('name = NULL', 'n1@example.org');
    assert.deepEqual(await shape(db, 'n1@example.org'), [null, null, null]);
    await set(`name = 'Other Person', first_name = 'Winner'`, 'n1-one@example.org');
    assert.deepEqual(await shape(db, 'n1-one@example.org'), ['Winner', 'Winner', null], 'the new columns win when both changed');
    await set(`bio = 'only bio'`, 'n-trailing@example.org');
    assert.deepEqual(await shape(db, 'n-trailing@example.org'), ['Bob ', 'Bob', null], 'an update of another column rewrites nothing');
    await set(`name = 'Bob '`, 'seed3@example.org');
    assert.deepEqual(await shape(db, 'seed3@example.org'), ['Bob ', 'Bob', null]);

    // A row the backfill has not reached yet (written with the trigger off): an update of another
    // column brings it into step, and the backfill's own UPDATE (the catch-up) keeps its name.
    const client = await pool.connect();
    try {
      await client.query(`SET session_replication_role = replica`);
      await client.query(`INSERT INTO users (email, name) VALUES ('late1@example.org', 'Ann '), ('late2@example.org', 'Ann ')`);
    } finally {
      await client.query('RESET session_replication_role');
      client.release();
    }
    assert.deepEqual(await shape(db, 'late1@example.org'), ['Ann ', null, null]);
    await set(`bio = 'touched'`, 'late1@example.org');
    assert.deepEqual(await shape(db, 'late1@example.org'), ['Ann ', 'Ann', null]);
    const stmt = loadMigrations(release.dir)[3]!.sql.split('\n').filter((l) => !l.startsWith('--')).join('\n');
    const id = (await db.query<{ id: string }>(`SELECT id FROM users WHERE email = 'late2@example.org'`)).rows[0]!.id;
    const caught = await pool.query(stmt, [null, id]);
    assert.equal(caught.rowCount, 1, 'the backfill updates only the row not yet in step');
    assert.deepEqual(await shape(db, 'late2@example.org'), ['Ann ', 'Ann', null], 'the catch-up keeps release N\'s value');
  });

  it('rolls back before the contract without losing a write of either release', async () => {
    const down = await runCliProcess(['downgrade', '--steps', '2', '--yes'], cliEnv(db.url, release.dir));
    assert.equal(down.code, 0, down.stderr);
    const cols = await db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name IN ('name', 'first_name', 'last_name')`);
    assert.deepEqual(cols.rows.map((x) => x.column_name), ['name']);
    const names = await db.query<{ email: string; name: string | null }>(`SELECT email, name FROM users WHERE email IN ('n@example.org', 'n1-one@example.org', 'both@example.org', 'seed3@example.org', 'seed51@example.org') ORDER BY email`);
    assert.deepEqual(names.rows.map((x) => [x.email, x.name]), [['both@example.org', 'New Name'], ['n1-one@example.org', 'Winner'], ['n@example.org', null], ['seed3@example.org', 'Bob '], ['seed51@example.org', 'Ann ']]);
  });

  it('runs the contract once no older release is seen; its down file brings the name back from the join', async () => {
    const before1 = await db.query<{ id: string; name: string | null }>('SELECT id, name FROM users ORDER BY id');
    const newer = startReleaseHeartbeat(pool, { version: contract, instance: 'release-n1/1', intervalMs: 200 });
    await newer.beat();
    const r = await runCliProcess(['deploy'], cliEnv(db.url, release.dir, { MIGRATE_RELEASE_WINDOW: '1m' }));
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /not applied yet/);
    const applied = (await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY seq')).rows.map((x) => x.name);
    assert.deepEqual(applied.slice(-3), [expand, backfill, contract]);
    const cols = await db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name IN ('name', 'first_name', 'last_name') ORDER BY column_name`);
    assert.deepEqual(cols.rows.map((x) => x.column_name), ['first_name', 'last_name']);
    assert.equal((await db.query(`SELECT 1 FROM pg_trigger WHERE tgname LIKE 'dbship_sync%'`)).rowCount, 0);
    const joined = await db.query<{ id: string; name: string | null }>(`SELECT id, ${JOIN_EXPR} AS name FROM users ORDER BY id`);
    const differ = joined.rows.filter((x, i) => x.name !== before1.rows[i]!.name).map((x) => before1.rows.find((b) => b.id === x.id)!.name);
    assert.deepEqual([...new Set(differ)].sort(), ['', 'Ann ', 'Bob '], 'only names that do not round-trip read differently joined');
    const drift = await runCliProcess(['drift'], cliEnv(db.url, release.dir));
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    await newer.stop();

    const down = await runCliProcess(['downgrade', '--steps', '1', '--yes'], cliEnv(db.url, release.dir));
    assert.equal(down.code, 0, down.stderr);
    const back = await db.query<{ id: string; name: string | null }>('SELECT id, name FROM users ORDER BY id');
    assert.deepEqual(back.rows, joined.rows, 'the old column is the join of the new ones');
    await pool.query(`INSERT INTO users (email, name) VALUES ('after-down@example.org', 'Lin Ma')`);
    assert.deepEqual(await shape(db, 'after-down@example.org'), ['Lin Ma', 'Lin', 'Ma'], 'the trigger is back');
    const again = await runCliProcess(['deploy'], cliEnv(db.url, release.dir));
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'`)).rowCount, 0);
  });
});
