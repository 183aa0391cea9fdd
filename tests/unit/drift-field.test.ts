/**
 * The pure parts of drift on real schemas: names cut as PostgreSQL cuts them, the accepted list's
 * matching, and the shape of drizzle's tracking table. The same behaviour on a live server is in
 * tests/integration/drift-field.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptDifferences, splitAccepted, type AcceptedEntry } from '../../packages/dbship/src/migrator/drift/accepted.js';
import { difference } from '../../packages/dbship/src/migrator/drift/difference.js';
import type { TableModel } from '../../packages/dbship/src/migrator/drift/model.js';
import { hasDrizzleShape } from '../../packages/dbship/src/migrator/drift/tracking.js';
import { storedIdentifier } from '../../packages/dbship/src/migrator/sql/identifier.js';

describe('storedIdentifier', () => {
  const cases: [string, string, string][] = [
    ['63 bytes are kept', 'a'.repeat(63), 'a'.repeat(63)],
    ['64 ASCII bytes lose one', 'a'.repeat(64), 'a'.repeat(63)],
    ['a two-byte letter across the limit is dropped whole', `${'a'.repeat(62)}é`, 'a'.repeat(62)],
    ['two-byte letters: 31 of them fit', 'é'.repeat(40), 'é'.repeat(31)],
    ['a four-byte character is never split', `${'a'.repeat(61)}😀`, 'a'.repeat(61)],
    ['short names are unchanged', 'users_email_unique', 'users_email_unique'],
  ];
  for (const [title, name, stored] of cases) it(title, () => assert.equal(storedIdentifier(name), stored));
});

describe('the accepted list', () => {
  const index = difference('extra-index', 'public.t.t_a_idx', null, 'btree (a)', 'index t_a_idx ...');
  const order = difference('enum-order', 'public.mood', "('a', 'b')", "('b', 'a')", 'enum public.mood ...');
  const entry = (over: Partial<AcceptedEntry> = {}): AcceptedEntry => ({
    key: 'extra-index public.t.t_a_idx', kind: 'extra-index', object: 'public.t.t_a_idx', expected: null, actual: 'btree (a)', reason: 'hand-made in 0042', ...over,
  });

  it('accepts a difference with the same key and the same two sides, and keeps its reason', () => {
    const split = splitAccepted([index, order], [entry()]);
    assert.deepEqual(split.open, [order]);
    assert.deepEqual(split.accepted.map((d) => d.reason), ['hand-made in 0042']);
    assert.deepEqual(split.stale, []);
  });

  it('a changed difference is open again and its entry is stale', () => {
    const changed = difference('extra-index', 'public.t.t_a_idx', null, 'btree (a, b)', 'index t_a_idx ...');
    const split = splitAccepted([changed], [entry()]);
    assert.deepEqual(split.open, [changed]);
    assert.equal(split.stale.length, 1);
  });

  it('accepting keeps old reasons, adds new entries with the new reason, drops stale ones, sorted by key', () => {
    const split = splitAccepted([index, order], [entry(), entry({ key: 'extra-table public.gone', kind: 'extra-table', object: 'public.gone', actual: 'table public.gone' })]);
    const next = acceptDifferences(split, 'order from ADD VALUE BEFORE');
    assert.deepEqual(next.map((e) => `${e.key}: ${e.reason}`), ['enum-order public.mood: order from ADD VALUE BEFORE', 'extra-index public.t.t_a_idx: hand-made in 0042']);
  });

  it('enum-order is a warning, every other kind an error', () => {
    assert.equal(order.severity, 'warning');
    assert.equal(index.severity, 'error');
  });
});

describe("drizzle's tracking table shape", () => {
  const col = (name: string, type: string, generation: 'serial' | null = null) => [name, { name, type, notNull: false, default: null, generation, generatedAs: null }] as const;
  const table = (columns: ReturnType<typeof col>[]): TableModel => ({
    schema: 'public', name: 'x', columns: new Map(columns), primaryKey: null, uniques: new Map(), indexes: new Map(), foreignKeys: new Map(), checks: new Map(),
  });
  it('is id serial, hash text, created_at bigint and nothing else', () => {
    assert.ok(hasDrizzleShape(table([col('id', 'integer', 'serial'), col('hash', 'text'), col('created_at', 'bigint')])));
    assert.ok(!hasDrizzleShape(table([col('id', 'integer', 'serial'), col('hash', 'text'), col('created_at', 'bigint'), col('extra', 'text')])));
    assert.ok(!hasDrizzleShape(table([col('id', 'integer'), col('hash', 'text'), col('created_at', 'bigint')])));
  });
});
