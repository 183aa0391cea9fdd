import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { downgrade } from '../../packages/dbship/src/migrator/downgrade.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import type { EngineEvent } from '../../packages/dbship/src/migrator/runtime/events.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { expectError } from '../helpers/errors.js';
import { cliEnv, runCliProcess, writeMigrations } from '../helpers/migrations.js';
import { killRunnerWhen, runnerSessions } from '../helpers/runner-kill.js';

/**
 * A migration that does not run as one transaction (`-- dbship:no-transaction`, or a file with its
 * own COMMIT) and stops part-way resumes where it stopped: the statements that committed are
 * recorded and not run again, so a `CREATE INDEX CONCURRENTLY` without IF NOT EXISTS does not fail
 * the rerun with "already exists".
 */

async function recorded(db: TestDatabase): Promise<string[]> {
  return (await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY seq')).rows.map((r) => r.name);
}

async function indexes(db: TestDatabase, table: string): Promise<string[]> {
  const r = await db.query<{ name: string }>(`SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass AND i.indisvalid ORDER BY 1`, [table]);
  return r.rows.map((x) => x.name);
}

async function progressRows(db: TestDatabase): Promise<number> {
  return (await db.query('SELECT 1 FROM dbship.unit_progress')).rowCount ?? 0;
}

function warnings(events: EngineEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
}

const NO_TX = (third: string) => `-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY t_a_idx ON t (a);\nCREATE INDEX CONCURRENTLY t_b_idx ON t (b);\n${third}\n`;

describe('a no-transaction migration that stops part-way resumes at the statement that did not complete', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('notx_resume');
    await db.query('CREATE TABLE t (a int, b int, c int); INSERT INTO t SELECT g, g, g FROM generate_series(1, 2000) AS g');
  });
  after(async () => db.drop());

  it('a failed third statement: the fixed file skips the two indexes already built and completes', async () => {
    const dir = writeMigrations([{ name: 'three_indexes', sql: NO_TX('CREATE INDEX CONCURRENTLY t_c_idx ON t (no_such_column);') }]);
    const err = await expectError(upgrade(testConfig(db, dir)), 'MIGRATION_FAILED');
    assert.match(err.why ?? '', /its first 2 statement\(s\) stay applied and are recorded as done; the migration is not recorded, and the next run resumes at this statement/);
    assert.deepEqual(await indexes(db, 't'), ['t_a_idx', 't_b_idx']);
    assert.deepEqual(await recorded(db), []);
    assert.equal(await progressRows(db), 1);
    const status = await runCliProcess(['status'], cliEnv(db.url, dir));
    assert.match(status.stdout, /pending +0000_three_indexes +\(stopped part-way: 2 of 3 statements committed; the next run resumes at line 4\)/);

    // The usual fix: the failed statement is corrected in place; the two before it are unchanged.
    writeFileSync(path.join(dir, '0000_three_indexes.sql'), NO_TX('CREATE INDEX CONCURRENTLY t_c_idx ON t (c);'));
    const events: EngineEvent[] = [];
    await upgrade(testConfig(db, dir), { onEvent: (e) => events.push(e) });
    assert.ok(warnings(events).some((w) => /0000_three_indexes resumes at its statement on line 4: 2 of its 3 statement\(s\) were committed by an earlier run that stopped part-way, and are not run again/.test(w)), warnings(events).join('\n'));
    assert.deepEqual(await indexes(db, 't'), ['t_a_idx', 't_b_idx', 't_c_idx']);
    assert.deepEqual(await recorded(db), ['0000_three_indexes']);
    assert.equal(await progressRows(db), 0, 'recording the migration forgets its progress');
  });

  it('an edit of a statement that already ran makes it, and what follows, run again', async () => {
    await db.query('DROP INDEX t_a_idx, t_b_idx, t_c_idx; TRUNCATE dbship.migrations');
    const dir = writeMigrations([{ name: 'edited', sql: NO_TX('CREATE INDEX CONCURRENTLY t_c_idx ON t (no_such_column);') }]);
    await expectError(upgrade(testConfig(db, dir)), 'MIGRATION_FAILED');
    // The second statement changes (a new name): it runs, the first is skipped, the third is fixed.
    writeFileSync(path.join(dir, '0000_edited.sql'), NO_TX('CREATE INDEX CONCURRENTLY t_c_idx ON t (c);').replace('t_b_idx ON t (b)', 't_b2_idx ON t (b)'));
    const events: EngineEvent[] = [];
    await upgrade(testConfig(db, dir), { onEvent: (e) => events.push(e) });
    assert.ok(warnings(events).some((w) => /resumes at its statement on line 3: 1 of its 3 statement/.test(w)), warnings(events).join('\n'));
    assert.deepEqual(await indexes(db, 't'), ['t_a_idx', 't_b2_idx', 't_b_idx', 't_c_idx']);
    assert.deepEqual(await recorded(db), ['0000_edited']);
  });

  it('killed (-9) while its second index builds: the rerun drops the INVALID leftover and resumes there, without building the first again', async () => {
    await db.query('TRUNCATE dbship.migrations; CREATE TABLE u (x int); INSERT INTO u SELECT g FROM generate_series(1, 100) AS g');
    const dir = writeMigrations([{ name: 'killed', sql: '-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY t_a_k_idx ON t (a);\nCREATE INDEX CONCURRENTLY u_x_idx ON u (x);\nCREATE INDEX CONCURRENTLY t_c_k_idx ON t (c);\n' }]);
    // An open writer of u makes the second build wait; the first (on t) does not wait for it.
    const writer = new pg.Client(clientConfig(db.connection, 'test-writer'));
    await writer.connect();
    await writer.query('BEGIN; INSERT INTO u VALUES (0)');
    try {
      await killRunnerWhen(db, dir, async () => (await runnerSessions(db, `wait_event_type = 'Lock' AND query LIKE '%u_x_idx%'`)) > 0, 'the runner waits in the second CREATE INDEX CONCURRENTLY');
    } finally {
      await writer.query('ROLLBACK');
      await writer.end();
    }
    assert.deepEqual(await recorded(db), []);
    assert.ok((await indexes(db, 't')).includes('t_a_k_idx'), 'the first index was built and committed');
    const r = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /dropped the INVALID index public\.u_x_idx/);
    assert.match(r.stdout + r.stderr, /0000_killed resumes at its statement on line 3: 1 of its 3 statement\(s\)/);
    assert.deepEqual(await indexes(db, 'u'), ['u_x_idx']);
    assert.ok((await indexes(db, 't')).includes('t_c_k_idx'));
    assert.deepEqual(await recorded(db), ['0000_killed']);
  });

  it('a resumed run sets again the session settings of the statements it skips: the file\'s SET lock_timeout = 0 before its builds holds', async () => {
    await db.query('TRUNCATE dbship.migrations');
    // A file that ends the migration's transaction, then sets lock_timeout for what follows (as
    // files do before CREATE INDEX CONCURRENTLY); SET LOCAL inside its block ends with the block.
    const sql = (tail: string) => `CREATE TABLE seen (lock_timeout text, statement_timeout text);\nSET LOCAL statement_timeout = 1234;\nCOMMIT;\nSET lock_timeout = 0;\n${tail}\n`;
    const dir = writeMigrations([{ name: 'settings', sql: sql('SELECT 1/0;') }]);
    await expectError(upgrade(testConfig(db, dir)), 'MIGRATION_FAILED');
    writeFileSync(path.join(dir, '0000_settings.sql'), sql(`INSERT INTO seen SELECT current_setting('lock_timeout'), current_setting('statement_timeout');`));
    const events: EngineEvent[] = [];
    await upgrade(testConfig(db, dir), { onEvent: (e) => events.push(e) });
    assert.ok(warnings(events).some((w) => /0000_settings resumes at its statement on line 5: 3 of its 4 statement/.test(w)), warnings(events).join('\n'));
    const seen = (await db.query<{ lock_timeout: string; statement_timeout: string }>('SELECT * FROM seen')).rows;
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.lock_timeout, '0', 'the skipped SET lock_timeout = 0 is in force, as in a run from the first statement');
    assert.notEqual(seen[0]!.statement_timeout, '1234ms', 'a SET LOCAL of a committed block is not made again');
    assert.deepEqual(await recorded(db), ['0000_settings']);
  });

  it('the drop of its own INVALID leftover waits for an open transaction at most MIGRATE_LOCK_RETRY_BUDGET, then fails naming the table', async () => {
    await db.query('TRUNCATE dbship.migrations; CREATE TABLE w (x int); INSERT INTO w VALUES (1), (1)');
    // A unique build over duplicates fails and leaves its index INVALID, as an interrupted run does.
    await assert.rejects(db.query('CREATE UNIQUE INDEX CONCURRENTLY w_x_idx ON w (x)'));
    await db.query('DELETE FROM w');
    const dir = writeMigrations([{ name: 'unique_w', sql: '-- dbship:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY w_x_idx ON w (x);\n' }]);
    const writer = new pg.Client(clientConfig(db.connection, 'test-writer'));
    await writer.connect();
    await writer.query('BEGIN; INSERT INTO w VALUES (2)');
    try {
      const r = await runCliProcess(['upgrade'], cliEnv(db.url, dir, { MIGRATE_LOCK_RETRY_BUDGET: '1s' }));
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /error\[LOCK_RETRIES_EXHAUSTED\]: could not drop the INVALID index public\.w_x_idx, left by an interrupted run of 0000_unique_w, within 1000 ms/);
      assert.match(r.stderr, /every transaction open on public\.w has ended/);
    } finally {
      await writer.query('ROLLBACK');
      await writer.end();
    }
    const again = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /dropped the INVALID index public\.w_x_idx/);
    assert.deepEqual(await indexes(db, 'w'), ['w_x_idx']);
  });

  it('a file with its own COMMIT resumes after its committed transaction block; a downgrade forgets what an earlier run left', async () => {
    await db.query('TRUNCATE dbship.migrations');
    const sql = (tail: string) => `CREATE TABLE own_commit (x int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY own_commit_x_idx ON own_commit (x);\n${tail}\n`;
    const dir = writeMigrations([{ name: 'own_commit', sql: sql('SELECT 1/0;'), down: 'DROP TABLE own_commit;\n' }]);
    await expectError(upgrade(testConfig(db, dir)), 'MIGRATION_FAILED');
    writeFileSync(path.join(dir, '0000_own_commit.sql'), sql('SELECT 1;'));
    const events: EngineEvent[] = [];
    await upgrade(testConfig(db, dir), { onEvent: (e) => events.push(e) });
    assert.ok(warnings(events).some((w) => /0000_own_commit resumes at its statement on line 4: 2 of its 3 statement/.test(w)), warnings(events).join('\n'));
    assert.deepEqual(await indexes(db, 'own_commit'), ['own_commit_x_idx']);
    assert.deepEqual(await recorded(db), ['0000_own_commit']);

    // Down and up again: the up runs from its first statement (nothing is left to resume).
    await downgrade(testConfig(db, dir));
    const again: EngineEvent[] = [];
    await upgrade(testConfig(db, dir), { onEvent: (e) => again.push(e) });
    assert.ok(!warnings(again).some((w) => /resumes/.test(w)), warnings(again).join('\n'));
    assert.deepEqual(await indexes(db, 'own_commit'), ['own_commit_x_idx']);
    assert.equal(await progressRows(db), 0);
  });
});
