import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, collect, runCliProcess, spawnCli, writeMigrations } from '../helpers/migrations.js';

/** Polls `probe` until it returns true, at most `tries` times (no wall-clock assertion). */
async function until(probe: () => Promise<boolean>, tries = 300, everyMs = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return;
    await sleep(everyMs);
  }
  assert.fail('condition not reached');
}

/** Waits until a dbship runner is inside the migration's pg_sleep (mid-migration, lock held). */
function runnerIsSleeping(db: TestDatabase): Promise<void> {
  return until(async () => {
    const r = await db.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'dbship:%' AND query LIKE '%pg_sleep%' AND state = 'active'");
    return r.rows[0]!.n === 1;
  });
}

describe('lock_timeout: a migration never queues behind a long transaction', () => {
  let db: TestDatabase;
  let blocker: pg.Client;
  before(async () => {
    db = await createTestDatabase('lock_timeout');
    await db.query('CREATE TABLE busy (id int)');
  });
  after(async () => db.drop());

  const migrations = writeMigrations([{ name: 'alter_busy', sql: 'ALTER TABLE busy ADD COLUMN note text;\n' }]);
  const env = (retries: string) => cliEnv(db.url, migrations, { MIGRATE_LOCK_TIMEOUT: '200ms', MIGRATE_LOCK_RETRIES: retries });

  async function holdAccessExclusive(): Promise<pg.Client> {
    const c = new pg.Client(clientConfig(db.connection, 'test-blocker'));
    await c.connect();
    await c.query('BEGIN');
    await c.query('LOCK TABLE busy IN ACCESS EXCLUSIVE MODE');
    return c;
  }

  it('retries a bounded number of times, then fails with exit 1 and nothing applied', async () => {
    blocker = await holdAccessExclusive();
    try {
      const r = await runCliProcess(['upgrade'], env('2'));
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.match(/lock_timeout on "ALTER TABLE busy ADD COLUMN note text"; retry \d/g)?.length, 2);
      assert.match(r.stderr, /error\[LOCK_RETRIES_EXHAUSTED\]: migration 0000_alter_busy could not get its table lock within lock_timeout \(200 ms\) in 3 attempt\(s\)/);
      assert.match(r.stderr, /SQLSTATE 55P03/);
      assert.match(r.stderr, /pg_blocking_pids/);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const cols = await db.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'busy' ORDER BY 1");
    assert.deepEqual(cols.rows.map((c) => c.column_name), ['id']);
    const recorded = await db.query('SELECT count(*)::int AS n FROM dbship.migrations');
    assert.equal(recorded.rows[0]!.n, 0);
  });

  it('succeeds when the other transaction ends within the retries', async () => {
    blocker = await holdAccessExclusive();
    const child = spawnCli(['upgrade'], env('10'));
    const done = collect(child);
    let released = false;
    child.stderr?.on('data', (d: Buffer) => {
      if (!released && /retry 1 in/.test(String(d))) {
        released = true;
        void blocker.query('ROLLBACK').then(() => blocker.end());
      }
    });
    const r = await done;
    assert.ok(released, 'the runner reported a retry while blocked');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Applied 0000_alter_busy/);
    const cols = await db.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'busy' ORDER BY 1");
    assert.deepEqual(cols.rows.map((c) => c.column_name), ['id', 'note']);
  });
});

describe('kill -9 of the runner mid-migration', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('kill9')));
  after(async () => db.drop());

  it('leaves no partial schema, and the next run completes', async () => {
    const dir = writeMigrations([
      { name: 'two_tables', sql: 'CREATE TABLE k1 (id int);\nSELECT pg_sleep(3);\nCREATE TABLE k2 (id int);\n' },
    ]);
    const child = spawnCli(['upgrade'], cliEnv(db.url, dir));
    const exited = collect(child);
    await runnerIsSleeping(db);
    child.kill('SIGKILL');
    const killed = await exited;
    assert.equal(killed.signal, 'SIGKILL');
    await until(async () => {
      const r = await db.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'dbship:%'");
      return r.rows[0]!.n === 0;
    });
    const partial = await db.query("SELECT to_regclass('k1') AS k1, to_regclass('k2') AS k2");
    assert.deepEqual(partial.rows[0]!, { k1: null, k2: null });
    const again = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(again.code, 0, again.stderr);
    const full = await db.query("SELECT to_regclass('k1')::text AS k1, to_regclass('k2')::text AS k2");
    assert.deepEqual(full.rows[0]!, { k1: 'k1', k2: 'k2' });
  });
});

describe('SIGTERM to a runner mid-migration', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('sigterm')));
  after(async () => db.drop());

  it('rolls back the current migration, exits non-zero, and the next run completes', async () => {
    const dir = writeMigrations([
      { name: 'quick', sql: 'CREATE TABLE q (id int);\n' },
      { name: 'slow', sql: 'CREATE TABLE s1 (id int);\nSELECT pg_sleep(3);\nCREATE TABLE s2 (id int);\n' },
    ]);
    const child = spawnCli(['upgrade'], cliEnv(db.url, dir));
    const exited = collect(child);
    await runnerIsSleeping(db);
    child.kill('SIGTERM');
    const r = await exited;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /error\[INTERRUPTED\]: stopped: received SIGTERM/);
    const state = await db.query("SELECT to_regclass('q')::text AS q, to_regclass('s1')::text AS s1, (SELECT array_agg(name ORDER BY seq) FROM dbship.migrations) AS names");
    assert.deepEqual(state.rows[0], { q: 'q', s1: null, names: ['0000_quick'] });
    const again = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Applied 0001_slow/);
  });
});
