import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkRows, type Expected } from '../../bench/lib/online-traffic.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const SEEDED = 20;
const SEED = "CASE WHEN t.id % 7 = 0 THEN NULL ELSE 'Seed ' || t.id END";

/**
 * The row-by-row check the online rollout tests and the online benchmark end with: it must find
 * every kind of lost or divergent write, not only pass on a clean table.
 */
describe('checkRows: every row against its last acknowledged value or its seed', () => {
  let db: TestDatabase;

  before(async () => {
    db = await createTestDatabase('online_row_check');
    await db.query('CREATE TABLE items (id bigint PRIMARY KEY, name text)');
  });
  after(async () => {
    await db?.drop();
  });

  async function reset(): Promise<Expected> {
    await db.query('TRUNCATE items');
    await db.query(`INSERT INTO items SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'Seed ' || g END FROM generate_series(1, ${SEEDED}) AS g`);
    // Written during the change: a seeded row set to a value, one set to NULL, and a new row.
    await db.query(`UPDATE items SET name = 'w3' WHERE id = 3`);
    await db.query(`UPDATE items SET name = NULL WHERE id = 4`);
    await db.query(`INSERT INTO items VALUES (21, 'new')`);
    return new Map<number, string | null>([[3, 'w3'], [4, null], [21, 'new']]);
  }
  const check = (expected: Expected) => checkRows(db, { table: 'items', key: 'id', column: 'name', expected, seededUpTo: SEEDED, seededSql: SEED });

  it('passes a table that holds every acknowledged write and every seed', async () => {
    const r = await check(await reset());
    assert.deepEqual(r, { checked: 21, written: 3, lost: 0, examples: [] });
  });

  it('finds a lost write, a changed seed, a NULL that became a value, a missing row and an unacknowledged row', async () => {
    const expected = await reset();
    await db.query(`UPDATE items SET name = 'stale' WHERE id = 3`);
    await db.query(`UPDATE items SET name = 'x' WHERE id = 4`);
    await db.query(`UPDATE items SET name = NULL WHERE id = 5`);
    await db.query(`UPDATE items SET name = '' WHERE id = 7`);
    await db.query(`DELETE FROM items WHERE id = 21`);
    await db.query(`INSERT INTO items VALUES (22, 'ghost')`);
    const r = await check(expected);
    assert.equal(r.lost, 6);
    assert.deepEqual(r.examples, [
      '3: "stale" (want "w3")',
      '4: "x" (want null)',
      '5: null (want "Seed 5")',
      '7: "" (want null)',
      '21: missing (want "new")',
      '22: a row nobody acknowledged (want null)',
    ]);
  });
});
