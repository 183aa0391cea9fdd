import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, collect, runCliProcess, spawnCli, writeMigrations } from '../helpers/migrations.js';

/**
 * A migration that waits for a table lock must not make the app's queries queue behind it for a
 * long lock_timeout, and must say who it waits for. Found in the field: four attempts of
 * `ALTER TABLE users ADD COLUMN` behind a 25 s reader each queued for the full 5 s, and the
 * messages pointed at a `pg_blocking_pids(<pid>)` template instead of naming the blocker.
 */

const SECRET = 'value-that-must-not-be-logged';

describe('lock timeouts: short attempts that name their blocker', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('lock_retries');
    await db.query("CREATE TABLE busy (id int PRIMARY KEY, name text); INSERT INTO busy VALUES (1, 'x')");
  });
  after(async () => db.drop());

  /** An open transaction that updated a row with a literal value: it holds ROW EXCLUSIVE on busy. */
  async function openBlocker(): Promise<{ client: pg.Client; pid: number }> {
    const client = new pg.Client(clientConfig(db.connection, 'test-long-transaction'));
    await client.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await client.query('BEGIN');
    await client.query(`UPDATE busy SET name = '${SECRET}' WHERE id = 1`);
    return { client, pid: rows[0]!.pid };
  }

  const forms = [
    { label: 'in a transaction', sql: 'ALTER TABLE busy ADD COLUMN note text;\n' },
    { label: 'without a transaction', sql: '-- dbship:no-transaction\nALTER TABLE busy ADD COLUMN note text;\n' },
  ];
  for (const form of forms) {
    it(`${form.label}: every retry line and the final error name the blocking pid, its state, age and query, never a value`, async () => {
      const blocker = await openBlocker();
      try {
        const dir = writeMigrations([{ name: 'alter_busy', sql: form.sql }]);
        const r = await runCliProcess(['upgrade'], cliEnv(db.url, dir, { MIGRATE_LOCK_RETRY_BUDGET: '3s' }));
        assert.equal(r.code, 1, r.stderr);
        const retries = r.stderr.split('\n').filter((l) => l.includes('lock_timeout on "ALTER TABLE busy ADD COLUMN note text"'));
        assert.ok(retries.length >= 2, `short attempts were retried:\n${r.stderr}`);
        const named = new RegExp(`blocked by pid ${blocker.pid} \\(idle in transaction for \\d+\\.\\d s, application test-long-transaction\\): UPDATE busy SET name = \\? WHERE id = \\?`);
        // Each line names the blocker; on a heavily loaded host the very first sample may come too
        // late, and then that line says so rather than guess.
        for (const line of retries) assert.match(line, new RegExp(`${named.source}|blocked by a session that was not seen$`));
        assert.ok(retries.filter((l) => named.test(l)).length >= retries.length - 1, `the blocker is named:\n${retries.join('\n')}`);
        assert.match(r.stderr, /error\[LOCK_RETRIES_EXHAUSTED\]: migration 0000_alter_busy could not get its table lock within lock_timeout \(300 ms\) in \d+ attempt\(s\) over \d+\.\d s: blocked by pid/);
        assert.match(r.stderr, new RegExp(`pg_terminate_backend\\(${blocker.pid}\\)`));
        assert.doesNotMatch(r.stderr, /<pid>/);
        assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET), 'no literal value of the blocking query is shown');
      } finally {
        await blocker.client.query('ROLLBACK');
        await blocker.client.end();
      }
      const cols = await db.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'note'");
      assert.equal(cols.rows[0]!.n, 0);
    });
  }

  it('a CREATE INDEX CONCURRENTLY IF NOT EXISTS retried behind a writer is not recorded over its own INVALID index', async () => {
    // The failed build leaves its index INVALID, and dropping it waits for the same writer; a retry
    // over the leftover would let IF NOT EXISTS skip the build and record the migration as applied.
    const blocker = await openBlocker();
    const dir = writeMigrations([{ name: 'busy_name_idx', sql: '-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS busy_name_idx ON busy (name);\n' }]);
    const invalid = async () => (await db.query("SELECT count(*)::int AS n FROM pg_index WHERE indexrelid = to_regclass('busy_name_idx') AND NOT indisvalid")).rows[0]!.n;
    try {
      const r = await runCliProcess(['upgrade'], cliEnv(db.url, dir, { MIGRATE_LOCK_RETRY_BUDGET: '3s' }));
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /error\[LOCK_RETRIES_EXHAUSTED\]: migration 0000_busy_name_idx could not get its table lock/);
      assert.equal((await db.query('SELECT 1 FROM dbship.migrations')).rowCount, 0, 'not recorded as applied');
    } finally {
      await blocker.client.query('ROLLBACK');
      await blocker.client.end();
    }
    try {
      // Once the writer is gone, the next run drops the leftover and builds the index.
      const r = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await invalid(), 0);
      assert.ok((await db.query("SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('busy_name_idx') AND indisvalid")).rowCount === 1, 'the index is built and valid');
    } finally {
      await db.query('DROP INDEX IF EXISTS busy_name_idx; TRUNCATE dbship.migrations');
    }
  });

  it('with the shipped defaults, retries in short attempts and lands once the transaction ends', async () => {
    const blocker = await openBlocker();
    const dir = writeMigrations([{ name: 'alter_busy', sql: 'ALTER TABLE busy ADD COLUMN note text;\n' }]);
    const child = spawnCli(['upgrade'], cliEnv(db.url, dir));
    const done = collect(child);
    let retries = 0;
    let released = false;
    child.stderr?.on('data', (d: Buffer) => {
      retries += String(d).match(/lock_timeout on "ALTER TABLE busy/g)?.length ?? 0;
      if (retries >= 3 && !released) {
        released = true;
        void blocker.client.query('COMMIT').then(() => blocker.client.end());
      }
    });
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(retries >= 3, 'attempts were made while the transaction was open');
    assert.match(r.stderr, new RegExp(`retry 1 in .*; blocked by pid ${blocker.pid} `));
    const state = await db.query("SELECT (SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'note') AS columns, (SELECT count(*)::int FROM dbship.migrations) AS recorded");
    assert.deepEqual(state.rows[0], { columns: 1, recorded: 1 });
  });
});
