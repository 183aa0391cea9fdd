import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DbshipError } from '../../packages/dbship/src/errors.js';
import { init } from '../../packages/dbship/src/migrator/generate/init.js';
import { snapshotV5, snapshotV6, writeHistory, type FixtureEntry } from '../helpers/history-fixture.js';
import { tempDir } from '../helpers/migrations.js';

const ORIGIN = '00000000-0000-0000-0000-000000000000';
const v7 = (id: string, prevId: string, tables: Record<string, unknown>) => ({ id, prevId, version: '7', dialect: 'postgresql', tables, enums: {}, schemas: {}, sequences: {}, roles: {}, policies: {}, views: {}, _meta: { schemas: {}, tables: {}, columns: {} } });
const table = (name: string, columns: Record<string, string>) => ({
  name, schema: '', columns: Object.fromEntries(Object.entries(columns).map(([c, t]) => [c, { name: c, type: t, primaryKey: false, notNull: false }])),
  indexes: {}, foreignKeys: {}, compositePrimaryKeys: {}, uniqueConstraints: {}, policies: {}, checkConstraints: {}, isRLSEnabled: false,
});

/** A drizzle-kit history of three ages: format 5 (journal "pg"), then 6, then 7. */
const threeAges: FixtureEntry[] = [
  { name: 'init', sql: 'CREATE TABLE IF NOT EXISTS "a" ("id" integer);', snapshot: snapshotV5(ORIGIN, '', { a: { id: 'integer' } }) },
  { name: 'b', sql: 'CREATE TABLE IF NOT EXISTS "b" ("id" integer);\n--> statement-breakpoint\nCREATE INDEX IF NOT EXISTS "b_id_idx" ON "b" ("id");', snapshot: snapshotV6('s1', ORIGIN, { a: { id: 'integer' }, b: { id: 'integer' } }, { b_id_idx: { table: 'b', column: 'id' } }) },
  { name: 'c', sql: 'ALTER TABLE "a" ADD COLUMN "note" text;', snapshot: v7('s2', 's1', { 'public.a': table('a', { id: 'integer', note: 'text' }), 'public.b': { ...table('b', { id: 'integer' }), indexes: { b_id_idx: { name: 'b_id_idx', columns: [{ expression: 'id', isExpression: false, asc: true, nulls: 'last' }], isUnique: false, concurrently: false, method: 'btree', with: {} } } } }) },
];

const quiet = { strict: false, warn: () => {} };

function refused(code: string, exit: number, message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof DbshipError, String(err));
    assert.deepEqual([err.code, err.exitCode], [code, exit]);
    assert.match(err.message, message);
    assert.ok(err.fix);
    return true;
  };
}

const downs = (dir: string) => ['0000_init', '0001_b', '0002_c'].filter((t) => existsSync(path.join(dir, `${t}.down.sql`)));

describe('init on histories of every drizzle-kit format', () => {
  it('reverses format 5 and 6 steps through drizzle-kit\'s own converter', async () => {
    const dir = writeHistory(threeAges, { version: '5', dialect: 'pg' });
    const report = await init({ dir, ...quiet });
    assert.deepEqual(report.entries.map((e) => e.outcome), ['written', 'written', 'written']);
    assert.deepEqual(report.formats, { 5: 1, 6: 1, 7: 1 });
    assert.deepEqual(report.journal, { version: '5', dialect: 'pg' });
    const body = (t: string) => readFileSync(path.join(dir, `${t}.down.sql`), 'utf8').split('\n').filter((l) => !l.startsWith('--')).join('\n');
    assert.match(body('0000_init'), /DROP TABLE "a"/);
    assert.match(body('0001_b'), /DROP TABLE "b"/);
    assert.match(body('0002_c'), /ALTER TABLE "a" DROP COLUMN "note"/);
    assert.doesNotMatch(body('0002_c'), /b_id_idx/, 'a format 6 index converted to format 7 is the same index');
  });

  it('reports the entries whose snapshots are missing, and reverses the rest', async () => {
    const dir = writeHistory([{ ...threeAges[0]!, snapshot: null }, { ...threeAges[1]!, snapshot: null }, threeAges[2]!]);
    const report = await init({ dir, ...quiet });
    assert.deepEqual(report.entries.map((e) => [e.tag, e.outcome, e.reason]), [
      ['0000_init', 'skipped', 'no snapshot for this migration, so the schema after it is unknown'],
      ['0001_b', 'skipped', 'no snapshot for this migration, so the schema after it is unknown'],
      ['0002_c', 'skipped', 'no snapshot for the migration before it, so the schema to return to is unknown'],
    ]);
    assert.deepEqual(downs(dir), []);
  });

  it('never overwrites a down file, and keeps an irreversible mark', async () => {
    const dir = writeHistory([{ ...threeAges[0]!, down: '-- mine\nDROP TABLE a;\n' }, { ...threeAges[1]!, down: '-- dbship:irreversible keeps data\n' }, threeAges[2]!]);
    const report = await init({ dir, ...quiet });
    assert.deepEqual(report.entries.map((e) => e.outcome), ['present', 'present', 'written']);
    assert.equal(readFileSync(path.join(dir, '0000_init.down.sql'), 'utf8'), '-- mine\nDROP TABLE a;\n');
    assert.equal(readFileSync(path.join(dir, '0001_b.down.sql'), 'utf8'), '-- dbship:irreversible keeps data\n');
  });
});

describe('init on bad input: a clear error, and nothing written', () => {
  it('a snapshot of an unknown format version', async () => {
    const dir = writeHistory([threeAges[0]!, threeAges[1]!, { ...threeAges[2]!, snapshot: { ...threeAges[2]!.snapshot, version: '8' } }]);
    await assert.rejects(init({ dir, ...quiet }), refused('MIGRATIONS_DIR_INVALID', 5, /0002_snapshot\.json has snapshot format version "8"/));
    assert.deepEqual(downs(dir), []);
  });

  it('a journal that names a missing file', async () => {
    const dir = writeHistory(threeAges);
    rmSync(path.join(dir, '0001_b.sql'));
    await assert.rejects(init({ dir, ...quiet }), (err) => refused('MIGRATIONS_DIR_INVALID', 5, /inconsistent/)(err) && (err as DbshipError).details.some((d) => /0001_b\.sql does not exist/.test(d)));
    assert.deepEqual(downs(dir), []);
  });

  it('a malformed journal', async () => {
    const dir = writeHistory(threeAges);
    writeFileSync(path.join(dir, 'meta', '_journal.json'), '{"version": "7", "dialect": "postgresql", "entries": [{"idx": 0}]}');
    await assert.rejects(init({ dir, ...quiet }), refused('MIGRATIONS_DIR_INVALID', 5, /not a drizzle-kit PostgreSQL journal/));
    assert.deepEqual(downs(dir), []);
  });

  it('a .sql file the journal does not list, when strict', async () => {
    const dir = writeHistory(threeAges);
    writeFileSync(path.join(dir, '0003_left_over.sql'), 'SELECT 1;');
    await assert.rejects(init({ dir, strict: true }), refused('MIGRATIONS_DIR_INVALID', 5, /inconsistent/));
    assert.deepEqual(downs(dir), []);
    const warnings: string[] = [];
    await init({ dir, strict: false, warn: (m) => warnings.push(m) });
    assert.match(warnings.join('\n'), /0003_left_over\.sql is not listed/);
  });

  it('a folder that does not exist, or is not a drizzle-kit folder (configuration, exit 2)', async () => {
    const missing = path.join(tempDir(), 'drizzle');
    await assert.rejects(init({ dir: missing, ...quiet }), refused('CONFIG_INVALID', 2, /the migrations folder .*drizzle does not exist/));
    assert.equal(existsSync(missing), false, 'init creates nothing');
    await assert.rejects(init({ dir: tempDir(), ...quiet }), refused('CONFIG_INVALID', 2, /has no meta\/_journal\.json/));
  });
});
