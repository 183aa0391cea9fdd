/**
 * The linter's claims, checked on a real PostgreSQL server: which type changes and defaults
 * rewrite the table (its relfilenode changes), which statements PostgreSQL refuses inside a
 * transaction block, and which locks the flagged statements take (as each rule's `why` says).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { sqlState } from '../../packages/dbship/src/db/sqlstate.js';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { ALL_RULES, lintSql } from '../../packages/dbship/src/migrator/lint/index.js';
import { isSafeTypeChange, parseTypeText } from '../../packages/dbship/src/migrator/lint/column-types.js';
import { loadParser } from '../../packages/dbship/src/migrator/sql/split.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let client: pg.Client;
let n = 0;

before(async () => {
  db = await createTestDatabase('lint');
  client = new pg.Client(clientConfig(db.connection, 'dbship-tests'));
  await client.connect();
  await loadParser();
});
after(async () => {
  await client?.end();
  await db?.drop();
});

/** relfilenode of every relation named, to tell a rewrite (new file) from a catalog-only change. */
async function files(...relations: string[]): Promise<string[]> {
  const { rows } = await client.query<{ f: string }>('SELECT pg_relation_filenode(r::regclass)::text AS f FROM unnest($1::text[]) AS r', [relations]);
  return rows.map((r) => r.f);
}

function fresh(): string {
  return `t${++n}`;
}

describe('column type changes: lint verdict vs what PostgreSQL does', () => {
  // `bad` is a value of the old type that the new type rejects: when given, a flagged change that does
  // not rewrite must still read every row (it fails on that row).
  const cases: { from: string; to: string; good: string; bad?: string }[] = [
    { from: 'varchar(10)', to: 'varchar(20)', good: "'abc'" },
    { from: 'varchar(10)', to: 'varchar', good: "'abc'" },
    { from: 'varchar(10)', to: 'text', good: "'abc'" },
    { from: 'varchar', to: 'text', good: "'abc'" },
    { from: 'text', to: 'varchar', good: "'abc'" },
    { from: 'numeric(10,2)', to: 'numeric(12,2)', good: '1.5' },
    { from: 'numeric(10,2)', to: 'numeric', good: '1.5' },
    { from: 'varchar(20)', to: 'varchar(10)', good: "'abc'", bad: "'abcdefghijklmno'" },
    { from: 'text', to: 'varchar(10)', good: "'abc'", bad: "'abcdefghijklmno'" },
    { from: 'numeric(12,2)', to: 'numeric(10,2)', good: '1.5', bad: '1234567890.5' },
    { from: 'numeric(10,2)', to: 'numeric(10,3)', good: '1.5' },
    { from: 'integer', to: 'bigint', good: '1' },
    { from: 'bigint', to: 'integer', good: '1', bad: '9999999999' },
    { from: 'integer', to: 'text', good: '1' },
    { from: 'varchar(10)[]', to: 'varchar(20)[]', good: "ARRAY['a']" },
  ];
  for (const c of cases) {
    test(`${c.from} -> ${c.to}`, async () => {
      const from = parseTypeText(c.from);
      const to = parseTypeText(c.to);
      assert.ok(from && to);
      const safe = isSafeTypeChange(from, to);
      const t = fresh();
      await client.query(`CREATE TABLE ${t} (c ${c.from}); CREATE INDEX ${t}_c ON ${t} (c); INSERT INTO ${t} VALUES (${c.good})`);
      const beforeFiles = await files(t, `${t}_c`);
      await client.query(`ALTER TABLE ${t} ALTER COLUMN c TYPE ${c.to}`);
      const rewritten = (await files(t, `${t}_c`)).some((f, i) => f !== beforeFiles[i]);
      if (safe) {
        assert.equal(rewritten, false, 'lint calls it safe, so neither the table nor its index may be rewritten');
        return;
      }
      if (rewritten) return;
      assert.ok(c.bad, 'lint flags it, so it must rewrite or read every row; give a rejected value to show the scan');
      const t2 = fresh();
      await client.query(`CREATE TABLE ${t2} (c ${c.from}); INSERT INTO ${t2} VALUES (${c.bad})`);
      await assert.rejects(client.query(`ALTER TABLE ${t2} ALTER COLUMN c TYPE ${c.to}`), (e) => ['22001', '22003'].includes(sqlState(e) ?? ''));
    });
  }
});

describe('ADD COLUMN defaults: lint verdict vs table rewrite', () => {
  const cases = [
    'c timestamptz NOT NULL DEFAULT now()',
    'c timestamptz DEFAULT CURRENT_TIMESTAMP',
    "c text NOT NULL DEFAULT 'x'",
    "c jsonb NOT NULL DEFAULT '{}'::jsonb",
    'c uuid DEFAULT gen_random_uuid()',
    'c float8 DEFAULT random()',
    'c timestamptz DEFAULT clock_timestamp()',
    'c serial',
    'c bigint GENERATED ALWAYS AS IDENTITY',
    'c int GENERATED ALWAYS AS (id * 2) STORED',
  ];
  for (const column of cases) {
    test(column, async () => {
      const t = fresh();
      await client.query(`CREATE TABLE ${t} (id int); INSERT INTO ${t} SELECT generate_series(1, 10)`);
      const sql = `ALTER TABLE ${t} ADD COLUMN ${column}`;
      const flagged = (await lintSql(sql, { file: 'x.sql' })).some((f) => f.rule === 'volatile-default' || f.rule === 'add-generated-column');
      const [beforeFile] = await files(t);
      await client.query(sql);
      const [afterFile] = await files(t);
      assert.equal(afterFile !== beforeFile, flagged, `lint ${flagged ? 'flags' : 'accepts'} it, PostgreSQL ${afterFile !== beforeFile ? 'rewrote' : 'did not rewrite'} the table`);
    });
  }

  test('NOT NULL without a default fails on a table with rows', async () => {
    const t = fresh();
    await client.query(`CREATE TABLE ${t} (id int); INSERT INTO ${t} VALUES (1)`);
    await assert.rejects(client.query(`ALTER TABLE ${t} ADD COLUMN c int NOT NULL`), (e) => sqlState(e) === '23502');
  });
});

describe('concurrently-in-transaction: PostgreSQL refuses these in a transaction block', () => {
  const cases = [
    (t: string) => `CREATE INDEX CONCURRENTLY ${t}_c ON ${t} (id)`,
    (t: string) => `DROP INDEX CONCURRENTLY ${t}_i`,
    (t: string) => `REINDEX INDEX CONCURRENTLY ${t}_i`,
    (t: string) => `VACUUM ${t}`,
  ];
  for (const make of cases) {
    const t = `tx${cases.indexOf(make)}`;
    const sql = make(t);
    test(sql.replace(t, 't'), async () => {
      assert.deepEqual((await lintSql(`${sql};`, { file: 'x.sql' })).map((f) => f.rule).filter((r) => r === 'concurrently-in-transaction'), ['concurrently-in-transaction']);
      assert.deepEqual(await lintSql(`-- dbship:no-transaction\n${sql};`, { file: 'x.sql' }).then((f) => f.filter((x) => x.rule === 'concurrently-in-transaction')), []);
      await client.query(`CREATE TABLE ${t} (id int); CREATE INDEX ${t}_i ON ${t} (id)`);
      await client.query('BEGIN');
      await assert.rejects(client.query(sql), (e) => sqlState(e) === '25001');
      await client.query('ROLLBACK');
      await client.query(sql);
    });
  }
});

describe("locks taken by flagged statements are the ones the rule's why names", () => {
  const MODE: Record<string, string> = {
    ShareLock: 'SHARE', ShareRowExclusiveLock: 'SHARE ROW EXCLUSIVE', AccessExclusiveLock: 'ACCESS EXCLUSIVE', ShareUpdateExclusiveLock: 'SHARE UPDATE EXCLUSIVE',
  };
  const cases: { rule: string; sql: (t: string) => string; on: (t: string) => string[]; mode: string }[] = [
    { rule: 'create-index-without-concurrently', sql: (t) => `CREATE INDEX ${t}_x ON ${t} (a)`, on: (t) => [t], mode: 'ShareLock' },
    { rule: 'drop-index-without-concurrently', sql: (t) => `DROP INDEX ${t}_a`, on: (t) => [t], mode: 'AccessExclusiveLock' },
    { rule: 'set-not-null', sql: (t) => `ALTER TABLE ${t} ALTER COLUMN a SET NOT NULL`, on: (t) => [t], mode: 'AccessExclusiveLock' },
    { rule: 'constraint-without-not-valid', sql: (t) => `ALTER TABLE ${t} ADD CONSTRAINT ${t}_fk FOREIGN KEY (a) REFERENCES ${t}_p (id)`, on: (t) => [t, `${t}_p`], mode: 'ShareRowExclusiveLock' },
    { rule: 'constraint-without-not-valid', sql: (t) => `ALTER TABLE ${t} ADD CONSTRAINT ${t}_ck CHECK (a > 0)`, on: (t) => [t], mode: 'AccessExclusiveLock' },
    { rule: 'add-unique-constraint', sql: (t) => `ALTER TABLE ${t} ADD CONSTRAINT ${t}_u UNIQUE (a)`, on: (t) => [t], mode: 'AccessExclusiveLock' },
    { rule: 'truncate', sql: (t) => `TRUNCATE ${t}`, on: (t) => [t], mode: 'AccessExclusiveLock' },
    { rule: 'reindex-without-concurrently', sql: (t) => `REINDEX TABLE ${t}`, on: (t) => [t], mode: 'ShareLock' },
  ];
  for (const c of cases) {
    test(`${c.rule}: ${c.sql('t')}`, async () => {
      const t = fresh();
      await client.query(`CREATE TABLE ${t}_p (id int PRIMARY KEY); CREATE TABLE ${t} (a int); CREATE INDEX ${t}_a ON ${t} (a); INSERT INTO ${t}_p VALUES (1); INSERT INTO ${t} VALUES (1)`);
      const rules = (await lintSql(`${c.sql(t)};`, { file: 'x.sql' })).map((f) => f.rule);
      assert.ok(rules.includes(c.rule), `lint flags it as ${c.rule} (got ${rules.join(', ')})`);
      await client.query('BEGIN');
      try {
        await client.query(c.sql(t));
        const { rows } = await client.query<{ rel: string; mode: string }>(
          "SELECT c.relname AS rel, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND c.relname = ANY($1)",
          [c.on(t)],
        );
        for (const rel of c.on(t)) assert.ok(rows.some((r) => r.rel === rel && r.mode === c.mode), `${c.mode} on ${rel}; held: ${JSON.stringify(rows)}`);
      } finally {
        await client.query('ROLLBACK');
      }
      const why = ALL_RULES.find((r) => r.id === c.rule)?.why ?? '';
      assert.ok(why.includes(`${MODE[c.mode]} `), `the why of ${c.rule} names the ${MODE[c.mode]} lock: ${why}`);
    });
  }
});
