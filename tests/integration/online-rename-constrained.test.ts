import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { loadMigrations, readinessTarget } from '../../packages/dbship/src/migrator/folder/files.js';
import { check } from '../../packages/dbship/src/migrator/generate/check.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { startReleaseHeartbeat } from '../../packages/dbship/src/release-heartbeat.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeProject, NOW } from '../helpers/generate-fixture.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';
import { constrainedModels, constrainedRelease } from '../helpers/online-rename-constrained.js';
import { killRunnerWhen, runnerSessions } from '../helpers/runner-kill.js';


/** The users table's columns, constraints, indexes (with validity), triggers and dbship functions, as text lines. */
async function fingerprint(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.query<{ line: string }>(`
    SELECT 'column ' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '-') AS line
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'users'
    UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE conrelid = 'public.users'::regclass
    UNION ALL SELECT 'index ' || c.relname || ' ' || pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' (INVALID)' END
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'public.users'::regclass
    UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgrelid = 'public.users'::regclass AND NOT tgisinternal
    UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proname LIKE 'dbship%'
    ORDER BY 1`);
  return rows.map((r) => r.line);
}

async function applied(db: TestDatabase): Promise<string[]> {
  return (await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY seq')).rows.map((x) => x.name);
}

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: { code?: string }) => err.code === code);
}

describe('online rename of a NOT NULL UNIQUE column with a check and a two-column index (users.email -> email_address)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let release: Awaited<ReturnType<typeof constrainedRelease>>;
  const [expand, backfill, index, contract] = ['0005_rename_email_expand', '0006_rename_email_backfill', '0007_rename_email_index', '0008_rename_email_contract'];
  const env = (extra: Record<string, string> = {}) => cliEnv(db.url, release.project.dir, extra);
  let window: string[] = [];

  before(async () => {
    db = await createTestDatabase('online_rename_email');
    pool = new pg.Pool({ ...clientConfig(db.connection, 'online-rename-constrained-test'), max: 4 });
    release = await constrainedRelease({ column: 'email', to: 'email_address', name: 'rename_email' });
    const r = await runCliProcess(['deploy'], cliEnv(db.url, release.releaseN));
    assert.equal(r.code, 0, r.stderr);
    await db.query(`INSERT INTO teams VALUES (1), (2)`);
    await db.query(`INSERT INTO users (email, name) SELECT 'seed' || g || '@example.org', 'Seed ' || g FROM generate_series(1, 2000) AS g`);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('writes four steps (the index step outside a transaction) that check accepts; readiness waits for the index step', async () => {
    assert.deepEqual(release.tags, [expand, backfill, index, contract]);
    const files = loadMigrations(release.project.dir);
    assert.deepEqual(files.slice(5).map((f) => [f.online?.phase ?? null, f.transactional]), [['expand', true], ['backfill', true], [null, false], ['contract', true]]);
    assert.equal(readinessTarget(files)?.name, index);
    const report = await check({ dir: release.project.dir, schemaPath: makeProject({ history: false }).models(constrainedModels({ email: 'email_address' })) });
    assert.deepEqual(report.problems, []);
  });

  it('refuses a primary key, saying why', async () => {
    const p = makeProject({ history: true });
    await generate({ dir: p.dir, name: 'add_teams', schemaPath: p.models(constrainedModels()), now: NOW });
    const models = constrainedModels().replace("bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity()", "bigint('user_id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity()");
    await assert.rejects(generate({ dir: p.dir, name: 'r', schemaPath: p.models(models), now: NOW, rename: { table: 'public.users', from: 'id', to: 'user_id' } }), /not supported: it is \(part of\) the primary key/);
  });

  it('kill -9 during the index step leaves an INVALID index that the rerun drops and builds again', async () => {
    const upTo = await runCliProcess(['upgrade', '--to', backfill], env());
    assert.equal(upTo.code, 0, upTo.stderr);
    // An open write transaction makes CREATE INDEX CONCURRENTLY wait after it has created its (INVALID) index.
    const blocker = await pool.connect();
    await blocker.query(`BEGIN; UPDATE users SET name = name WHERE id = 1`);
    await killRunnerWhen(db, release.project.dir, async () => (await runnerSessions(db, `query LIKE 'CREATE UNIQUE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'`)) === 1, 'the index build waits', { MIGRATE_LOCK_TIMEOUT: '60s' });
    await blocker.query('ROLLBACK');
    blocker.release();
    assert.deepEqual((await applied(db)).slice(-2), [expand, backfill], 'the index step is not recorded');
    assert.ok((await fingerprint(db)).some((l) => l.startsWith('index dbship_new_users_email_address_unique') && l.endsWith('(INVALID)')), 'its index was left INVALID');

    const n = startReleaseHeartbeat(pool, { version: '0004_add_teams_concurrently', instance: 'release-n/1', intervalMs: 200 });
    assert.equal(await n.beat(), true);
    const again = await runCliProcess(['deploy'], env());
    await n.stop();
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout + again.stderr, /dropped the INVALID index public\.dbship_new_users_email_address_unique, left by an interrupted run of 0007_rename_email_index/);
    assert.match(again.stdout + again.stderr, /0008_rename_email_contract not applied yet/);
    assert.deepEqual((await applied(db)).slice(-3), [expand, backfill, index]);
    window = await fingerprint(db);
    assert.ok(!window.some((l) => l.includes('INVALID')), window.join('\n'));
    assert.ok(window.includes('index dbship_new_users_email_created_idx CREATE INDEX dbship_new_users_email_created_idx ON public.users USING btree (email_address, created_at)'), window.join('\n'));
  });

  it('during the window both names are written, read and unique (23505 through either), and drift passes', async () => {
    await pool.query(`INSERT INTO users (email, name) VALUES ('n@example.org', 'from N')`);
    await pool.query(`INSERT INTO users (email_address, name) VALUES ('n1@example.org', 'from N+1')`);
    await pool.query(`UPDATE users SET email = 'n-renamed@example.org' WHERE id = 1`);
    await pool.query(`UPDATE users SET email_address = 'n1-renamed@example.org' WHERE id = 2`);
    await pool.query(`UPDATE users SET bio = 'only bio' WHERE id = 3`);
    const rows = await db.query<{ email: string; email_address: string }>(`SELECT email, email_address FROM users WHERE id IN (1, 2, 3) OR name LIKE 'from N%' ORDER BY id`);
    assert.deepEqual(rows.rows.map((x) => [x.email, x.email_address]), [
      ['n-renamed@example.org', 'n-renamed@example.org'], ['n1-renamed@example.org', 'n1-renamed@example.org'], ['seed3@example.org', 'seed3@example.org'],
      ['n@example.org', 'n@example.org'], ['n1@example.org', 'n1@example.org']]);
    await rejects(pool.query(`INSERT INTO users (email) VALUES ('n1@example.org')`), '23505');
    await rejects(pool.query(`INSERT INTO users (email_address) VALUES ('n@example.org')`), '23505');
    await rejects(pool.query(`UPDATE users SET email_address = 'seed5@example.org' WHERE id = 4`), '23505');
    await rejects(pool.query(`INSERT INTO users (email_address) VALUES ('no-at-sign')`), '23514');
    await rejects(pool.query(`INSERT INTO users (email_address) VALUES (NULL)`), '23502');
    const drift = await runCliProcess(['drift'], env());
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
  });

  it('kill -9 while the contract waits for a lock leaves the database as before; the rerun completes with the final names', async () => {
    const reader = await pool.connect();
    await reader.query(`BEGIN; SELECT 1 FROM users LIMIT 1`);
    await killRunnerWhen(db, release.project.dir, async () => (await runnerSessions(db, `wait_event_type = 'Lock'`)) === 1, 'the contract waits for its lock', { MIGRATE_LOCK_TIMEOUT: '60s' });
    await reader.query('ROLLBACK');
    reader.release();
    assert.deepEqual(await fingerprint(db), window, 'as before the contract');
    assert.equal((await applied(db)).at(-1), index);

    const r = await runCliProcess(['deploy'], env());
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await applied(db)).at(-1), contract);
    const final = await fingerprint(db);
    assert.ok(!final.some((l) => /dbship|email |NOT VALID/.test(l)), final.join('\n'));
    for (const line of [
      'column email_address text NO -',
      'constraint users_email_address_unique UNIQUE (email_address)',
      "constraint users_email_check CHECK ((email_address ~~ '%@%'::text))",
      'index users_email_created_idx CREATE INDEX users_email_created_idx ON public.users USING btree (email_address, created_at)',
      'index users_email_address_unique CREATE UNIQUE INDEX users_email_address_unique ON public.users USING btree (email_address)',
    ]) assert.ok(final.includes(line), `${line}\nin:\n${final.join('\n')}`);
    await rejects(pool.query(`INSERT INTO users (email_address) VALUES ('n@example.org')`), '23505');
    const drift = await runCliProcess(['drift'], env());
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    assert.doesNotMatch(drift.stdout + drift.stderr, /NOT VALID/);
  });

  it('the down files: the contract\'s restores the window, the index step\'s drops its indexes, and all run again', async () => {
    const final = await fingerprint(db);
    const down = await runCliProcess(['downgrade', '--steps', '1', '--yes'], env());
    assert.equal(down.code, 0, down.stderr);
    // The copied check keeps its validation when it goes back to its window name; the rest is as in the window.
    assert.deepEqual((await fingerprint(db)).map((l) => l.replace(/ NOT VALID$/, '')), window.map((l) => l.replace(/ NOT VALID$/, '')));
    assert.equal((await db.query('SELECT 1 FROM users WHERE email IS DISTINCT FROM email_address')).rowCount, 0);
    const two = await runCliProcess(['downgrade', '--steps', '3', '--yes'], env());
    assert.equal(two.code, 0, two.stderr);
    assert.ok(!(await fingerprint(db)).some((l) => /dbship|email_address/.test(l)));
    const again = await runCliProcess(['deploy'], env());
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await fingerprint(db), final);
  });
});
