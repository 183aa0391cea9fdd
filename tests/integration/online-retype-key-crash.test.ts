import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import type { Project } from '../helpers/generate-fixture.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';
import { entriesForeignKey, extraColumns, invalidIndexNames, KEY_STEPS, keyedRows, keyRetypeProject, keyShape } from '../helpers/online-retype-key.js';
import { killRunnerWhen, runnerSessions } from '../helpers/runner-kill.js';

const [, BACKFILL, INDEX] = KEY_STEPS;


/** Kills `deploy` while its session waits for a lock in `statement`. */
function killWhileWaiting(db: TestDatabase, dir: string, statement: string): Promise<void> {
  return killRunnerWhen(db, dir, async () => (await runnerSessions(db, `wait_event_type = 'Lock' AND query LIKE '%${statement}%'`)) > 0, `the runner waits in ${statement}`);
}

async function applied(db: TestDatabase): Promise<string[]> {
  return (await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY name')).rows.map((x) => x.name);
}

describe('online type change of a primary key: kill -9 during the index build and during the contract', () => {
  let db: TestDatabase;
  let p: Project;
  let blocker: pg.Client;

  before(async () => {
    db = await createTestDatabase('online_retype_key_crash');
    ({ p } = await keyRetypeProject(db, 'identity', 10_000));
    const r = await runCliProcess(['upgrade', '--to', BACKFILL], cliEnv(db.url, p.dir));
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await blocker?.end().catch(() => {});
    await db?.drop();
  });

  it('killed while CREATE INDEX CONCURRENTLY waits: the step is not recorded; the rerun drops the INVALID leftover and builds the index', async () => {
    // An open writing transaction: the concurrent build waits for it before it can finish.
    blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query(`BEGIN; UPDATE accounts SET name = name WHERE id = 1`);
    await killWhileWaiting(db, p.dir, 'CREATE UNIQUE INDEX CONCURRENTLY');
    assert.deepEqual(await applied(db), ['0000_init', KEY_STEPS[0], BACKFILL], 'the index step is not recorded');
    assert.deepEqual(await invalidIndexNames(db), ['accounts_id_dbship_new_key'], 'PostgreSQL leaves the interrupted build INVALID');
    await blocker.query('COMMIT');

    const rerun = await runCliProcess(['upgrade', '--to', INDEX], cliEnv(db.url, p.dir));
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stdout + rerun.stderr, /dropped the INVALID index public\.accounts_id_dbship_new_key/);
    assert.deepEqual(await invalidIndexNames(db), []);
    assert.equal((await db.query(`SELECT 1 FROM pg_index WHERE indexrelid = 'accounts_id_dbship_new_key'::regclass AND indisunique AND indisvalid`)).rowCount, 1);
    assert.deepEqual(await applied(db), ['0000_init', ...KEY_STEPS.slice(0, 3)]);
  });

  it('killed while the contract waits for a lock: nothing of it is committed; the rerun completes it', async () => {
    const before1 = await keyedRows(db);
    // A reader of entries: the contract's DROP CONSTRAINT on entries waits for it, after its first statements ran.
    await blocker.query(`BEGIN; SELECT 1 FROM entries LIMIT 1`);
    await killWhileWaiting(db, p.dir, 'DROP CONSTRAINT');
    assert.deepEqual(await applied(db), ['0000_init', ...KEY_STEPS.slice(0, 3)], 'the contract is not recorded');
    assert.equal((await keyShape(db)).type, 'integer');
    assert.deepEqual(await extraColumns(db), ['id_dbship_new'], 'the shadow column is still there');
    assert.equal((await db.query(`SELECT 1 FROM pg_trigger WHERE tgname = 'dbship_sync_accounts_id'`)).rowCount, 1, 'the trigger is still there');
    const check = await db.query<{ convalidated: boolean }>(`SELECT convalidated FROM pg_constraint WHERE conname = 'id_dbship_new_not_null'`);
    assert.deepEqual(check.rows, [{ convalidated: true }], 'the check is as the index step left it: validated there, so the contract only changes the catalog');
    assert.deepEqual(await entriesForeignKey(db), { validated: true });
    await blocker.query('COMMIT');

    const rerun = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(await applied(db), ['0000_init', ...KEY_STEPS]);
    const shape = await keyShape(db);
    assert.deepEqual([shape.type, shape.primaryKey, shape.identity], ['bigint', true, 'a']);
    assert.deepEqual(await entriesForeignKey(db), { validated: true });
    assert.deepEqual(await keyedRows(db), before1);
    assert.deepEqual(await invalidIndexNames(db), []);
  });
});
