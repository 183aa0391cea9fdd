import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, collect, spawnCli, writeMigrations } from '../helpers/migrations.js';

/**
 * A runner stopped (SIGSTOP) between two statements of a migration left its session "idle in
 * transaction" holding ACCESS EXCLUSIVE, with no upper bound. The server must end that session
 * after MIGRATE_IDLE_IN_TRANSACTION_TIMEOUT: the migration rolls back, the lock is freed, and
 * the resumed `deploy` starts over and applies it exactly once.
 *
 * A plain transactional migration travels as one message (BEGIN ... its record ... COMMIT), so
 * there is no "between two statements" on the client: frozen mid-message, the runner cannot keep
 * the transaction open, and the server finishes it. A file that wraps itself in BEGIN ... COMMIT
 * still runs statement by statement (as a failed message's second attempt does): that is where a
 * frozen runner can sit idle in transaction, and what the first case freezes.
 */
describe('a frozen runner (SIGSTOP between two statements)', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('frozen_runner');
    await db.query('CREATE TABLE accounts (id int PRIMARY KEY); INSERT INTO accounts VALUES (1)');
  });
  after(async () => db.drop());

  async function runnerBackend(): Promise<{ pid: number; state: string; query: string } | undefined> {
    const r = await db.query<{ pid: number; state: string; query: string }>("SELECT pid, state, query FROM pg_stat_activity WHERE application_name LIKE 'dbship:test-runner:%' AND application_name NOT LIKE '%:watch' AND datname = current_database() AND xact_start IS NOT NULL");
    return r.rows[0];
  }

  /** Waits until the runner's backend runs the migration's pg_sleep, then freezes the runner (SIGSTOP). */
  async function freezeInSleep(child: ChildProcess): Promise<{ pid: number }> {
    let sleeping: { pid: number } | undefined;
    for (let i = 0; i < 300 && !sleeping; i++) {
      const b = await runnerBackend();
      if (b?.state === 'active' && b.query.includes('pg_sleep')) sleeping = b;
      else await sleep(50);
    }
    assert.ok(sleeping, 'the runner reached the pg_sleep statement');
    child.kill('SIGSTOP');
    return sleeping;
  }

  it('is ended by the server: its table lock is freed, and the resumed deploy applies the migration once', { timeout: 120_000 }, async () => {
    const dir = writeMigrations([{ name: 'add_note', sql: 'BEGIN;\nALTER TABLE accounts ADD COLUMN note text;\nSELECT pg_sleep(1);\nSELECT 1;\nCOMMIT;\n' }]);
    const child = spawnCli(['deploy', '--drift', 'off'], cliEnv(db.url, dir, { MIGRATE_IDLE_IN_TRANSACTION_TIMEOUT: '2s' }));
    const done = collect(child);
    try {
      const sleeping = await freezeInSleep(child);
      // pg_sleep ends, the frozen runner never sends the next statement: idle in transaction.
      let idle = false;
      for (let i = 0; i < 100 && !idle; i++) {
        idle = (await runnerBackend())?.state === 'idle in transaction';
        if (!idle) await sleep(50);
      }
      assert.ok(idle, 'the frozen runner sits idle in transaction');
      let ended = false;
      for (let i = 0; i < 300 && !ended; i++) {
        const r = await db.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [sleeping.pid]);
        ended = r.rows[0]!.n === 0;
        if (!ended) await sleep(100);
      }
      assert.ok(ended, 'the server ended the frozen runner\'s session');
      const read = await db.query("SET lock_timeout = '5s'; SELECT count(*)::int AS n FROM accounts");
      assert.equal((read as unknown as { rows: { n: number }[] }[])[1]!.rows[0]!.n, 1, 'the table is readable again');
    } finally {
      child.kill('SIGCONT');
    }
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const state = await db.query("SELECT (SELECT count(*)::int FROM dbship.migrations) AS recorded, (SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'note') AS columns");
    assert.deepEqual(state.rows[0], { recorded: 1, columns: 1 });
  });
  it('frozen in the middle of a one-message migration, cannot hold the transaction: the server finishes it', { timeout: 120_000 }, async () => {
    await db.query('DROP SCHEMA IF EXISTS dbship CASCADE; ALTER TABLE accounts DROP COLUMN IF EXISTS note');
    const dir = writeMigrations([{ name: 'add_memo', sql: 'ALTER TABLE accounts ADD COLUMN memo text;\nSELECT pg_sleep(1);\nSELECT 1;\n' }]);
    const child = spawnCli(['deploy', '--drift', 'off'], cliEnv(db.url, dir, { MIGRATE_IDLE_IN_TRANSACTION_TIMEOUT: '2s' }));
    const done = collect(child);
    try {
      const sleeping = await freezeInSleep(child);
      // The rest of the message, its record and COMMIT included, runs without the client.
      let recorded = 0;
      for (let i = 0; i < 100 && recorded === 0; i++) {
        recorded = (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM dbship.migrations WHERE name = '0000_add_memo'").catch(() => ({ rows: [{ n: 0 }] }))).rows[0]!.n;
        if (recorded === 0) await sleep(50);
      }
      assert.equal(recorded, 1, 'the migration committed while its runner was frozen');
      assert.equal((await runnerBackend())?.state === 'idle in transaction', false, 'no transaction is left open');
      const read = await db.query("SET lock_timeout = '5s'; SELECT count(*)::int AS n FROM accounts");
      assert.equal((read as unknown as { rows: { n: number }[] }[])[1]!.rows[0]!.n, 1, 'the table is readable');
    } finally {
      child.kill('SIGCONT');
    }
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const state = await db.query("SELECT (SELECT count(*)::int FROM dbship.migrations) AS recorded, (SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'memo') AS columns");
    assert.deepEqual(state.rows[0], { recorded: 1, columns: 1 });
  });
});
