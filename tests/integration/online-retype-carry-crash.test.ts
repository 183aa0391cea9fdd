import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseRetype } from '../../packages/dbship/src/migrator/generate/online-retype.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { NOW, type Project } from '../helpers/generate-fixture.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';
import { CARRY_STEPS, carryModels, entriesShape, entryRows, widenedKeyProject, widenedShape } from '../helpers/online-retype-carry.js';
import { invalidIndexNames, KEY_STEPS } from '../helpers/online-retype-key.js';
import { killRunnerWhen, runnerSessions } from '../helpers/runner-kill.js';

const [, BACKFILL, INDEX, CONTRACT] = CARRY_STEPS;
const APPLIED_BEFORE = ['0000_init', ...KEY_STEPS, CARRY_STEPS[0], BACKFILL];

// One lock wait per attempt, long enough for the kill to land in it: with the default (300 ms) the
// runner would give up the wait, drop its INVALID index and retry, and the kill could fall between.
const ONE_LONG_WAIT = { MIGRATE_LOCK_TIMEOUT: '60s' };

async function applied(db: TestDatabase): Promise<string[]> {
  return (await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY name')).rows.map((x) => x.name);
}

describe('online type change of a foreign-key column with its objects: kill -9 during the index step and during the contract', () => {
  let db: TestDatabase;
  let p: Project;
  let original: string[];
  let blocker: pg.Client;

  before(async () => {
    db = await createTestDatabase('online_retype_carry_crash');
    ({ p, original } = await widenedKeyProject(db));
    const result = await generate({ dir: p.dir, name: 'widen_entry_account', schemaPath: p.models(carryModels('bigint', 'bigint')), now: NOW, retype: parseRetype('entries.account_id') });
    assert.deepEqual(result.migrations.map((m) => m.tag), [...CARRY_STEPS]);
    const r = await runCliProcess(['upgrade', '--to', BACKFILL], cliEnv(db.url, p.dir));
    assert.equal(r.code, 0, r.stderr);
    blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
  });
  after(async () => {
    await blocker?.end().catch(() => {});
    await db?.drop();
  });

  it('killed while CREATE UNIQUE INDEX CONCURRENTLY waits: the step is not recorded; the rerun drops the INVALID leftover, builds both indexes and validates the copies', async () => {
    // An open writing transaction on entries: the concurrent build, its index already in the catalog, waits for it.
    await blocker.query(`BEGIN; UPDATE entries SET note = note WHERE id = 1`);
    await killRunnerWhen(db, p.dir, async () => (await runnerSessions(db, `wait_event_type = 'Lock' AND query LIKE 'CREATE UNIQUE INDEX CONCURRENTLY%'`)) === 1, 'the unique index build waits', ONE_LONG_WAIT);
    assert.deepEqual(await applied(db), APPLIED_BEFORE, 'the index step is not recorded');
    assert.deepEqual(await invalidIndexNames(db), ['dbship_new_entries_account_slot_unique'], 'PostgreSQL leaves the interrupted build INVALID');
    const killed = await entriesShape(db);
    assert.ok(!killed.some((l) => l.startsWith('index dbship_new_entries_account_id_idx ')), `the second build never started:\n${killed.join('\n')}`);
    assert.equal(killed.filter((l) => l.endsWith('(not validated)')).length, 3, `the NOT NULL check and the copies are not validated yet:\n${killed.join('\n')}`);
    await blocker.query('COMMIT');

    const rerun = await runCliProcess(['upgrade', '--to', INDEX], cliEnv(db.url, p.dir));
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stdout + rerun.stderr, new RegExp(`dropped the INVALID index public\\.dbship_new_entries_account_slot_unique, left by an interrupted run of ${INDEX}`));
    assert.deepEqual(await invalidIndexNames(db), []);
    const window = await entriesShape(db);
    for (const line of [
      'index dbship_new_entries_account_slot_unique CREATE UNIQUE INDEX dbship_new_entries_account_slot_unique ON public.entries USING btree (account_id_dbship_new, slot)',
      'index dbship_new_entries_account_id_idx CREATE INDEX dbship_new_entries_account_id_idx ON public.entries USING btree (account_id_dbship_new)',
      'constraint account_id_dbship_new_not_null CHECK ((account_id_dbship_new IS NOT NULL))',
      'constraint dbship_new_entries_account_id_accounts_id_fk FOREIGN KEY (account_id_dbship_new) REFERENCES accounts(id) ON DELETE CASCADE',
      'constraint dbship_new_entries_account_id_positive CHECK ((account_id_dbship_new > 0))',
    ]) assert.ok(window.includes(line), `${line}\n in\n${window.join('\n')}`);
    assert.equal(window.filter((l) => l.endsWith('(not validated)') || l.endsWith('(INVALID)')).length, 0, 'the VALIDATE statements after the builds ran');
    assert.deepEqual(await applied(db), [...APPLIED_BEFORE, INDEX], 'recorded once');
  });

  it('killed while the contract waits for a lock after its first statements: nothing of it is committed; the rerun completes it', async () => {
    const window = await entriesShape(db);
    for (const line of ['column account_id_dbship_new bigint', 'trigger dbship_sync_entries_account_id']) assert.ok(window.includes(line), `${line}\n in\n${window.join('\n')}`);
    const rows = await entryRows(db);
    // A reader of accounts. The contract's first statements (the trigger dropped, the renames, SET
    // NOT NULL) lock entries only; dropping the old column drops its foreign key, whose triggers on
    // accounts need ACCESS EXCLUSIVE there: the runner waits holding ACCESS EXCLUSIVE on entries.
    await blocker.query(`BEGIN; SELECT 1 FROM accounts LIMIT 1`);
    const waitsMidway = `wait_event_type = 'Lock'
      AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = pg_stat_activity.pid AND NOT l.granted AND l.relation = 'accounts'::regclass)
      AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = pg_stat_activity.pid AND l.granted AND l.relation = 'entries'::regclass AND l.mode = 'AccessExclusiveLock')`;
    await killRunnerWhen(db, p.dir, async () => (await runnerSessions(db, waitsMidway)) === 1, 'the contract waits for accounts, holding entries', ONE_LONG_WAIT);
    assert.deepEqual(await applied(db), [...APPLIED_BEFORE, INDEX], 'the contract is not recorded');
    assert.deepEqual(await entriesShape(db), window, 'entries is exactly as before the contract: the shadow, the dbship_new_* objects, the trigger');
    assert.equal(await entryRows(db), rows, 'the rows are unchanged');
    await blocker.query('COMMIT');

    const rerun = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(await applied(db), [...APPLIED_BEFORE, INDEX, CONTRACT]);
    assert.deepEqual(await entriesShape(db), widenedShape(original), 'the same objects under the same names, on a bigint column');
    assert.equal(await entryRows(db), rows, 'every row kept');
    assert.deepEqual(await invalidIndexNames(db), []);
  });
});
