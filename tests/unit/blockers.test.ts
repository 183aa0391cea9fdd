import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeBlockers, maskQuery } from '../../packages/dbship/src/migrator/runtime/blockers.js';

describe('maskQuery: a blocking query as it may be shown, never a value', () => {
  const cases: [string, string, string][] = [
    ['string literal', "UPDATE users SET name = 'Ada' WHERE id = 1", 'UPDATE users SET name = ? WHERE id = ?'],
    ["a quote doubled inside", "SELECT 'it''s secret'", 'SELECT ?'],
    ['escape string', "SELECT E'a\\nb', x FROM t", 'SELECT ?, x FROM t'],
    ['dollar-quoted', 'SELECT $tag$ secret $tag$, $$ also $$', 'SELECT ?, ?'],
    ['numbers, not identifiers or parameters', 'SELECT t1.c2 FROM t1 WHERE a = 3.5e2 AND b = $1', 'SELECT t1.c2 FROM t1 WHERE a = ? AND b = $1'],
    ['cut off inside a literal (track_activity_query_size)', "INSERT INTO t VALUES ('unterminated secr", 'INSERT INTO t VALUES (?'],
    ['whitespace folded', 'SELECT\n   *\n\tFROM  t', 'SELECT * FROM t'],
  ];
  for (const [label, query, shown] of cases) {
    it(label, () => assert.equal(maskQuery(query), shown));
  }

  it('truncates to one line', () => {
    const shown = maskQuery(`SELECT ${'column_name, '.repeat(40)}x FROM t`);
    assert.equal(shown.length, 120);
    assert.ok(shown.endsWith('...'));
  });
});

describe('describeBlockers', () => {
  it('names pid, state with age, application and query', () => {
    assert.equal(
      describeBlockers([{ pid: 42, state: 'idle in transaction', applicationName: 'psql', query: 'UPDATE t SET a = ?', ageMs: 12_340 }]),
      'pid 42 (idle in transaction for 12.3 s, application psql): UPDATE t SET a = ?',
    );
    assert.equal(describeBlockers([]), undefined);
  });
});
