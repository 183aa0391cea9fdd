import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { downgrade } from '../../packages/dbship/src/migrator/downgrade.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { expectError } from '../helpers/errors.js';
import { cliEnv, collect, runCliProcess, spawnCli, writeMigrations } from '../helpers/migrations.js';

/**
 * Transaction control written in a migration file, and session settings one migration leaves
 * behind: both used to give half-applied or silently different results.
 */

async function recorded(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.query("SELECT coalesce(array_agg(name ORDER BY seq), '{}') AS names FROM dbship.migrations");
  return rows[0]!.names;
}

async function exists(db: TestDatabase, name: string): Promise<boolean> {
  return (await db.query('SELECT to_regclass($1) IS NOT NULL AS e', [name])).rows[0]!.e;
}

describe('transaction control that would break the bookkeeping is refused before anything runs', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('txctl')));
  after(async () => db.drop());

  it('ROLLBACK in the middle: upgrade exits 1, table a is not silently lost, nothing is recorded', async () => {
    const dir = writeMigrations([{ name: 'a_then_b', sql: 'CREATE TABLE a (x int); ROLLBACK; CREATE TABLE b (x int);\n' }]);
    const r = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /error\[MIGRATION_REFUSED\]: 0000_a_then_b: ROLLBACK \(or ABORT\) is not allowed in a migration file/);
    assert.match(r.stderr, /0000_a_then_b\.sql:1:25/);
    assert.match(r.stderr, /fix: remove the transaction statements/);
    assert.deepEqual([await exists(db, 'a'), await exists(db, 'b')], [false, false]);
    assert.deepEqual(await recorded(db), []);
  });

  it('a SAVEPOINT in a later file stops deploy before the earlier files run', async () => {
    const dir = writeMigrations([
      { name: 'first', sql: 'CREATE TABLE first_t (x int);\n' },
      { name: 'savepoint', sql: 'CREATE TABLE c1 (x int);\nSAVEPOINT s;\nCREATE TABLE c2 (x int);\n' },
    ]);
    const r = await runCliProcess(['deploy', '--wait', '5s', '--drift', 'off'], cliEnv(db.url, dir));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /0001_savepoint: SAVEPOINT is not allowed/);
    assert.deepEqual([await exists(db, 'first_t'), await exists(db, 'c1'), await exists(db, 'c2')], [false, false, false]);
    assert.deepEqual(await recorded(db), []);
  });

  const forms = ['ROLLBACK', 'ABORT', 'SAVEPOINT s', 'RELEASE SAVEPOINT s', 'ROLLBACK TO SAVEPOINT s', "PREPARE TRANSACTION 'g'", "COMMIT PREPARED 'g'", "ROLLBACK PREPARED 'g'", 'COMMIT AND CHAIN'];
  for (const form of forms) {
    it(`refuses ${form} in a transactional and in a no-transaction file`, async () => {
      for (const header of ['', '-- dbship:no-transaction\n']) {
        const dir = writeMigrations([{ name: 'ctl', sql: `${header}CREATE TABLE ctl_t (x int);\n${form};\n` }]);
        const err = await expectError(upgrade(testConfig(db, dir)), 'MIGRATION_REFUSED');
        assert.equal(err.exitCode, 1);
        assert.match(err.details[0]!, /0000_ctl\.sql:\d+:1$/);
        assert.equal(await exists(db, 'ctl_t'), false, `${header}${form}`);
      }
    });
  }

  it('statements inside a DO block or a function body are not top-level', async () => {
    const dir = writeMigrations([{
      name: 'procedural',
      sql: "CREATE TABLE proc_t (x int);\nDO $$ BEGIN INSERT INTO proc_t VALUES (1); END $$;\nCREATE FUNCTION proc_f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN RETURN; END $$;\n",
    }]);
    await upgrade(testConfig(db, dir));
    assert.equal((await db.query('SELECT count(*)::int AS n FROM proc_t')).rows[0]!.n, 1);
    await db.query('DROP TABLE proc_t; DROP FUNCTION proc_f; DROP SCHEMA dbship CASCADE');
  });
});

describe('a file that writes its own BEGIN / COMMIT runs as drizzle-orm runs it', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('txown');
    await db.query('CREATE TABLE hook (id int PRIMARY KEY, path text NOT NULL)');
  });
  afterEach(async () => db.drop());

  async function indexValid(name: string): Promise<boolean | null> {
    const { rows } = await db.query('SELECT i.indisvalid AS v FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1', [name]);
    return rows[0]?.v ?? null;
  }

  it('COMMIT escapes the transaction for CREATE INDEX CONCURRENTLY: applied, recorded, and said once', async () => {
    const dir = writeMigrations([
      {
        name: 'routing',
        sql: 'ALTER TABLE "hook" ALTER COLUMN "path" DROP NOT NULL;--> statement-breakpoint\nALTER TABLE "hook" ADD COLUMN "key" text;--> statement-breakpoint\nCOMMIT;--> statement-breakpoint\nSET lock_timeout = 0;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "hook_key_idx" ON "hook" USING btree ("key");\n',
      },
      // The file's own SET lock_timeout = 0 stays in its migration.
      { name: 'probe', sql: "DO $$ BEGIN IF current_setting('lock_timeout') = '0' THEN RAISE EXCEPTION 'lock_timeout leaked'; END IF; END $$;\n" },
    ]);
    const r = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /0000_routing ends the migration's transaction with its own COMMIT on line 3: the statements after it run outside a transaction/);
    assert.equal(await indexValid('hook_key_idx'), true);
    assert.deepEqual(await recorded(db), ['0000_routing', '0001_probe']);
  });

  it('COMMIT first, then a BEGIN ... COMMIT block and CONCURRENTLY indexes', async () => {
    await db.query("INSERT INTO hook VALUES (1, 'a'), (2, 'b')");
    const dir = writeMigrations([{
      name: 'spans',
      sql: 'COMMIT;\nALTER TABLE hook ADD COLUMN doc text;\nBEGIN;\nUPDATE hook SET doc = path;\nALTER TABLE hook ALTER COLUMN doc SET NOT NULL;\nCOMMIT;\nCREATE INDEX CONCURRENTLY hook_doc_idx ON hook (doc);\n',
    }]);
    await upgrade(testConfig(db, dir));
    assert.equal(await indexValid('hook_doc_idx'), true);
    assert.deepEqual((await db.query('SELECT doc FROM hook ORDER BY id')).rows.map((x) => x.doc), ['a', 'b']);
    assert.deepEqual(await recorded(db), ['0000_spans']);
  });

  it('a file wrapped in BEGIN ... COMMIT stays one transaction with its tracking rows', async () => {
    const dir = writeMigrations([{ name: 'wrapped', sql: 'BEGIN;\nCREATE TABLE w1 (x int);\nSELECT 1/0;\nCOMMIT;\n' }]);
    const err = await expectError(upgrade(testConfig(db, dir)), 'MIGRATION_FAILED');
    assert.match(err.why ?? '', /nothing of 0000_wrapped was applied/);
    assert.equal(await exists(db, 'w1'), false);
    assert.deepEqual(await recorded(db), []);
  });

  it('a failure after the COMMIT leaves the committed part, says so, and the fixed file completes', async () => {
    const files = (tail: string) => writeMigrations([{ name: 'partway', sql: `CREATE TABLE IF NOT EXISTS c1 (x int);\nCOMMIT;\nCREATE TABLE IF NOT EXISTS c2 (x int);\n${tail}\n` }]);
    const err = await expectError(upgrade(testConfig(db, files('SELECT 1/0;'))), 'MIGRATION_FAILED');
    assert.match(err.why ?? '', /its first 2 statement\(s\) stay applied/);
    assert.deepEqual([await exists(db, 'c1'), await exists(db, 'c2')], [true, true]);
    assert.deepEqual(await recorded(db), []);
    await upgrade(testConfig(db, files('SELECT 1;')));
    assert.deepEqual(await recorded(db), ['0000_partway']);
  });

  it('a transaction block that hits lock_timeout is rolled back and retried whole', async () => {
    const holder = new pg.Client(clientConfig(db.connection, 'test-holder'));
    await holder.connect();
    await holder.query('BEGIN; LOCK TABLE hook IN ACCESS SHARE MODE');
    const dir = writeMigrations([{ name: 'retry', sql: 'CREATE TABLE r1 (x int);\nCOMMIT;\nBEGIN;\nCREATE TABLE r2 (x int);\nALTER TABLE hook ADD COLUMN z int;\nCOMMIT;\n' }]);
    const run = upgrade({ ...testConfig(db, dir), migrations: { ...testConfig(db, dir).migrations, lockTimeoutMs: 100, lockRetries: 20, lockRetryBudgetMs: 60_000 } });
    await sleep(600);
    await holder.query('COMMIT');
    await holder.end();
    await run;
    assert.deepEqual([await exists(db, 'r1'), await exists(db, 'r2')], [true, true]);
    assert.deepEqual(await recorded(db), ['0000_retry']);
  });

  it('downgrade runs a down file wrapped in BEGIN / COMMIT', async () => {
    const dir = writeMigrations([{ name: 'keep', sql: 'CREATE TABLE keep_t (x int);\n', down: 'BEGIN;\nDROP TABLE keep_t;\nCOMMIT;\n' }]);
    const config = testConfig(db, dir);
    await upgrade(config);
    await downgrade(config);
    assert.equal(await exists(db, 'keep_t'), false);
    assert.deepEqual(await recorded(db), []);
  });
});

describe('session settings do not leak from one migration into the next', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('txleak');
    await db.query('CREATE SCHEMA side');
  });
  afterEach(async () => db.drop());

  it('session_replication_role = replica in one file does not switch off the next file\'s foreign keys', async () => {
    const dir = writeMigrations([
      { name: 'tables', sql: 'CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE child (parent_id int REFERENCES parent);\n' },
      { name: 'replica_role', sql: 'SET session_replication_role = replica;\nCREATE TABLE audit_t (x int);\n' },
      { name: 'orphan', sql: 'INSERT INTO child VALUES (42);\n' },
    ]);
    const err = await expectError(upgrade(testConfig(db, dir)), 'MIGRATION_FAILED');
    assert.match(err.message, /0002_orphan failed: .*violates foreign key constraint/);
    assert.equal((await db.query('SELECT count(*)::int AS n FROM child')).rows[0]!.n, 0);
    assert.deepEqual(await recorded(db), ['0000_tables', '0001_replica_role']);
  });

  it('SET search_path, a temporary table and a prepared statement stay in their own migration', async () => {
    const dir = writeMigrations([
      { name: 'sets', sql: 'SET search_path = side;\nCREATE TABLE in_side (x int);\nCREATE TEMP TABLE scratch (x int);\nPREPARE p AS SELECT 1;\n' },
      { name: 'next', sql: 'CREATE TABLE placed (x int);\nCREATE TEMP TABLE scratch (x int);\nPREPARE p AS SELECT 2;\n' },
    ]);
    await upgrade(testConfig(db, dir));
    const { rows } = await db.query("SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_name IN ('in_side', 'placed') ORDER BY 1");
    assert.deepEqual(rows.map((r) => r.t), ['public.placed', 'side.in_side']);
  });
});

describe('a no-transaction migration interrupted part-way', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('txnotx');
    await db.query('CREATE TABLE big (a int, b int)');
  });
  after(async () => db.drop());

  it('says what stays applied and that an INVALID index may remain, never "rolled back"', async () => {
    const dir = writeMigrations([{
      name: 'concurrent',
      sql: '-- dbship:no-transaction\nCREATE TABLE done_first (x int);\nCREATE INDEX CONCURRENTLY big_b_idx ON big (b);\n',
    }]);
    // An open writer makes CREATE INDEX CONCURRENTLY wait, after it created the (invalid) index.
    const writer = new pg.Client(clientConfig(db.connection, 'test-writer'));
    await writer.connect();
    await writer.query('BEGIN; INSERT INTO big VALUES (1, 1)');
    try {
      const child = spawnCli(['upgrade'], cliEnv(db.url, dir));
      const exited = collect(child);
      for (let i = 0; ; i++) {
        const { rows } = await db.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'dbship:%' AND query LIKE 'CREATE INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'");
        if (rows[0]!.n === 1) break;
        assert.ok(i < 300, 'the runner never waited in CREATE INDEX CONCURRENTLY');
        await sleep(100);
      }
      child.kill('SIGTERM');
      const r = await exited;
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /error\[INTERRUPTED\]: stopped: received SIGTERM during 0000_concurrent, which runs outside a transaction, at its statement on line 3/);
      assert.match(r.stderr, /1 of its 2 statement\(s\) had completed and stay applied/);
      assert.match(r.stderr, /INVALID index/);
      assert.doesNotMatch(r.stderr, /rolled back/);
    } finally {
      await writer.query('ROLLBACK');
      await writer.end();
    }
    assert.equal(await exists(db, 'done_first'), true);
    assert.deepEqual(await recorded(db), []);
  });
});
