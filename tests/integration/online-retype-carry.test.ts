import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { check } from '../../packages/dbship/src/migrator/generate/check.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseRetype } from '../../packages/dbship/src/migrator/generate/online-retype.js';
import { startReleaseHeartbeat } from '../../packages/dbship/src/release-heartbeat.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeProject, NOW, type Project } from '../helpers/generate-fixture.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';
import { CARRY_STEPS, carryModels, entriesShape, entryRows, widenedKeyProject, widenedShape } from '../helpers/online-retype-carry.js';

describe('online type change of a foreign-key column with its index, unique constraint and check (entries.account_id integer -> bigint)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let p: Project;
  let original: string[];
  const steps = [...CARRY_STEPS];

  before(async () => {
    db = await createTestDatabase('online_retype_carry');
    pool = new pg.Pool({ ...clientConfig(db.connection, 'online-retype-carry-test'), max: 2 });
    // The key first (five steps), applied whole: no release is running in this test yet.
    const key = await widenedKeyProject(db);
    ({ p, original } = key);
    assert.match(key.keyNotes.join(' '), /public\.entries\.account_id \(referencing the key\) keeps type integer.*--retype entries\.account_id/);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('generates four steps that check accepts, with no finding', async () => {
    const result = await generate({ dir: p.dir, name: 'widen_entry_account', schemaPath: p.models(carryModels('bigint', 'bigint')), now: NOW, retype: parseRetype('entries.account_id') });
    assert.deepEqual(result.migrations.map((m) => m.tag), steps);
    assert.deepEqual(result.findings, []);
    const report = await check({ dir: p.dir, schemaPath: makeProject({ history: false }).models(carryModels('bigint', 'bigint')) });
    assert.deepEqual(report.problems, []);
  });

  it('during the window the copies on the shadow hold every write of release N, and the contract waits', async () => {
    const n = startReleaseHeartbeat(pool, { version: '0005_widen_account_id_validate', instance: 'release-n/1', intervalMs: 200 });
    assert.equal(await n.beat(), true);
    const r = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /0009_widen_entry_account_contract not applied yet/);
    const shape = await entriesShape(db);
    for (const line of [
      'column account_id_dbship_new bigint',
      'constraint dbship_new_entries_account_id_accounts_id_fk FOREIGN KEY (account_id_dbship_new) REFERENCES accounts(id) ON DELETE CASCADE',
      'constraint dbship_new_entries_account_id_positive CHECK ((account_id_dbship_new > 0))',
      'index dbship_new_entries_account_id_idx CREATE INDEX dbship_new_entries_account_id_idx ON public.entries USING btree (account_id_dbship_new)',
      'index dbship_new_entries_account_slot_unique CREATE UNIQUE INDEX dbship_new_entries_account_slot_unique ON public.entries USING btree (account_id_dbship_new, slot)',
    ]) assert.ok(shape.includes(line), `${line}\n in\n${shape.join('\n')}`);
    assert.equal(shape.filter((l) => l.endsWith('(not validated)') || l.endsWith('(INVALID)')).length, 0, 'the index step validated the copies');
    // Release N writes the column by its name; the shadow follows, and the copies are enforced.
    await pool.query(`INSERT INTO entries (account_id, slot) VALUES (7, 3)`);
    assert.equal((await db.query('SELECT 1 FROM entries WHERE account_id_dbship_new IS DISTINCT FROM account_id')).rowCount, 0, 'backfilled and kept in sync');
    await assert.rejects(pool.query(`INSERT INTO entries (account_id, slot) VALUES (7, 3)`), (e: { code?: string }) => e.code === '23505');
    await assert.rejects(pool.query(`INSERT INTO entries (account_id, slot) VALUES (999999, 1)`), (e: { code?: string }) => e.code === '23503');
    const drift = await runCliProcess(['drift'], cliEnv(db.url, p.dir));
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    await n.stop();
  });

  it('the contract swaps the column and gives every copy its name; cascades and checks still hold; its down file goes back', async () => {
    const before = await entryRows(db);
    const r = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
    assert.equal(r.code, 0, r.stderr);
    const widened = widenedShape(original);
    assert.deepEqual(await entriesShape(db), widened, 'the same objects under the same names, on a bigint column');
    assert.equal(await entryRows(db), before, 'every row kept');
    const drift = await runCliProcess(['drift'], cliEnv(db.url, p.dir));
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    await assert.rejects(db.query(`INSERT INTO entries (account_id, slot) VALUES (0, 1)`), (e: { code?: string }) => e.code === '23514');
    await db.query(`DELETE FROM accounts WHERE id = 7`);
    assert.equal((await db.query('SELECT 1 FROM entries WHERE account_id = 7')).rowCount, 0, 'ON DELETE CASCADE');

    const down = await runCliProcess(['downgrade', '--steps', '1', '--yes'], cliEnv(db.url, p.dir));
    assert.equal(down.code, 0, down.stderr);
    const reopened = await entriesShape(db);
    assert.ok(reopened.includes('column account_id integer not null'), reopened.join('\n'));
    for (const name of ['entries_account_id_accounts_id_fk', 'entries_account_id_positive', 'entries_account_slot_unique', 'entries_account_id_idx']) {
      assert.ok(reopened.some((l) => l.startsWith(`constraint ${name} `) || l.startsWith(`index ${name} `)), `${name} back on account_id`);
      assert.ok(reopened.some((l) => l.includes(`dbship_new_${name}`)), `dbship_new_${name} back on the shadow`);
    }
    const again = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await entriesShape(db), widened);
  });

  it('refuses a column that another table\'s foreign key references, naming the key', async () => {
    const referenced = (t: 'integer' | 'bigint') => `import { bigint, integer, pgTable } from 'drizzle-orm/pg-core';
export const codes = pgTable('codes', { id: bigint('id', { mode: 'number' }).primaryKey(), code: ${t === 'bigint' ? "bigint('code', { mode: 'number' })" : "integer('code')"}.notNull().unique() });
export const uses = pgTable('uses', { id: bigint('id', { mode: 'number' }).primaryKey(), code: integer('code').references(() => codes.code) });`;
    const q = makeProject({ history: false });
    await generate({ dir: q.dir, name: 'init', schemaPath: q.models(referenced('integer')), now: NOW });
    await assert.rejects(generate({ dir: q.dir, name: 'widen_code', schemaPath: q.models(referenced('bigint')), now: NOW, retype: parseRetype('codes.code') }), /codes\.code is not supported yet: foreign keys of other tables reference it \(uses_code_codes_code_fk\)/);
  });
});
