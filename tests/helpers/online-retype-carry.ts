import assert from 'node:assert/strict';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseRetype } from '../../packages/dbship/src/migrator/generate/online-retype.js';
import type { TestDatabase } from './db.js';
import { makeProject, NOW, type Project } from './generate-fixture.js';
import { cliEnv, runCliProcess } from './migrations.js';

/**
 * The usual sequel of widening a key: the referencing column. accounts.id is widened to bigint
 * (the key's five steps), then entries.account_id, which has a foreign key (ON DELETE CASCADE), an
 * index, a unique constraint with another column and a check, is widened with its objects: four
 * steps, the last of which only changes the catalog.
 */
export function carryModels(key: 'integer' | 'bigint', child: 'integer' | 'bigint'): string {
  const type = (t: string, name: string) => (t === 'bigint' ? `bigint('${name}', { mode: 'number' })` : `integer('${name}')`);
  return `import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, text, unique } from 'drizzle-orm/pg-core';
export const accounts = pgTable('accounts', {
  id: ${type(key, 'id')}.primaryKey().generatedAlwaysAsIdentity(),
  name: text('name').notNull(),
});
export const entries = pgTable('entries', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  accountId: ${type(child, 'account_id')}.notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  slot: integer('slot').notNull(),
  note: text('note'),
}, (t) => [
  index('entries_account_id_idx').on(t.accountId),
  unique('entries_account_slot_unique').on(t.accountId, t.slot),
  check('entries_account_id_positive', sql\`\${t.accountId} > 0\`),
]);`;
}

/** The four steps of `--retype entries.account_id`, after the key's five. */
export const CARRY_STEPS = ['0006_widen_entry_account_expand', '0007_widen_entry_account_backfill', '0008_widen_entry_account_index', '0009_widen_entry_account_contract'] as const;

/**
 * Release N deployed (`0000_init`) with 1,500 accounts and two entries each (the second with a NULL
 * note), then the key widened and applied whole (no release is running yet). Returns the project,
 * entries' shape before any change, and the key's generate notes.
 */
export async function widenedKeyProject(db: TestDatabase): Promise<{ p: Project; original: string[]; keyNotes: readonly string[] }> {
  const p = makeProject({ history: false });
  await generate({ dir: p.dir, name: 'init', schemaPath: p.models(carryModels('integer', 'integer')), now: NOW });
  let r = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
  assert.equal(r.code, 0, r.stderr);
  await db.query(`INSERT INTO accounts (name) SELECT 'account ' || g FROM generate_series(1, 1500) AS g`);
  await db.query(`INSERT INTO entries (account_id, slot, note) SELECT a.id, s, CASE WHEN s = 2 THEN NULL ELSE 'entry ' || s END FROM accounts a, generate_series(1, 2) AS s`);
  const original = await entriesShape(db);
  const key = await generate({ dir: p.dir, name: 'widen_account_id', schemaPath: p.models(carryModels('bigint', 'integer')), now: NOW, retype: parseRetype('accounts.id') });
  assert.equal(key.migrations.length, 5);
  r = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
  assert.equal(r.code, 0, r.stderr);
  return { p, original, keyNotes: key.notes ?? [] };
}

/** `original` (from {@link widenedKeyProject}) once the change is complete: the same objects on a bigint column. */
export function widenedShape(original: readonly string[]): string[] {
  return original.map((l) => l.replace('column account_id integer not null', 'column account_id bigint not null')).sort();
}

/** entries' columns, constraints (with validity), indexes (with validity) and triggers, as text lines. */
export async function entriesShape(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.query<{ line: string }>(`
    SELECT 'column ' || attname || ' ' || format_type(atttypid, atttypmod) || CASE WHEN attnotnull THEN ' not null' ELSE '' END AS line
      FROM pg_attribute WHERE attrelid = 'entries'::regclass AND attnum > 0 AND NOT attisdropped
    UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) || CASE WHEN convalidated THEN '' ELSE ' (not validated)' END
      FROM pg_constraint WHERE conrelid = 'entries'::regclass
    UNION ALL SELECT 'index ' || c.relname || ' ' || pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' (INVALID)' END
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'entries'::regclass
    UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgrelid = 'entries'::regclass AND NOT tgisinternal
    ORDER BY 1`);
  return rows.map((r) => r.line);
}

/** Every entry (id, account, slot, note) as one text, to compare before and after a step. */
export async function entryRows(db: TestDatabase): Promise<string> {
  return (await db.query<{ t: string }>(`SELECT string_agg(id || ':' || account_id || ':' || slot || ':' || coalesce(note, '-'), ',' ORDER BY id) AS t FROM entries`)).rows[0]!.t;
}
