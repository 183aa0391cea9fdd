import assert from 'node:assert/strict';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseRetype } from '../../packages/dbship/src/migrator/generate/online-retype.js';
import type { TestDatabase } from './db.js';
import { makeProject, NOW, type Project } from './generate-fixture.js';
import { cliEnv, runCliProcess } from './migrations.js';

/** How the key of `accounts` gets its values: an identity column, or serial (a `nextval` default). */
export type KeyKind = 'identity' | 'serial';

/**
 * accounts (the key being widened) and entries (a foreign key to it, which stays integer). With
 * `keyName` the key is declared as a named one-column `primaryKey({ columns: [t.id], name })` in
 * the table's extras, as an adopted database's key often is, instead of an inline `.primaryKey()`.
 */
export function keyModels(kind: KeyKind, wide: boolean, keyName?: string): string {
  const inline = keyName === undefined ? '.primaryKey()' : '';
  const key = kind === 'identity'
    ? `${wide ? "bigint('id', { mode: 'number' })" : "integer('id')"}${inline}.generatedAlwaysAsIdentity()`
    : `${wide ? "bigserial('id', { mode: 'number' })" : "serial('id')"}${inline}`;
  const extras = keyName === undefined ? '' : `, (t) => [primaryKey({ columns: [t.id], name: ${JSON.stringify(keyName)} })]`;
  return `import { bigint, bigserial, integer, pgTable, primaryKey, serial, text } from 'drizzle-orm/pg-core';
export const accounts = pgTable('accounts', {
  id: ${key},
  name: text('name').notNull(),
}${extras});
export const entries = pgTable('entries', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  accountId: integer('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  note: text('note'),
});`;
}

export const KEY_STEPS = ['0001_widen_account_id_expand', '0002_widen_account_id_backfill', '0003_widen_account_id_index', '0004_widen_account_id_contract', '0005_widen_account_id_validate'] as const;

/**
 * Release N deployed (`0000_init`) with `rows` accounts and one entry each, then the key retype
 * generated (not applied). Returns the project and the models of release N+1. `keyName`: see
 * {@link keyModels}.
 */
export async function keyRetypeProject(db: TestDatabase, kind: KeyKind, rows: number, keyName?: string): Promise<{ p: Project; wide: string }> {
  const p = makeProject({ history: false });
  await generate({ dir: p.dir, name: 'init', schemaPath: p.models(keyModels(kind, false, keyName)), now: NOW });
  const r = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
  assert.equal(r.code, 0, r.stderr);
  await db.query(`INSERT INTO accounts (name) SELECT 'account ' || g FROM generate_series(1, ${rows}) AS g`);
  await db.query(`INSERT INTO entries (account_id, note) SELECT id, 'entry of ' || id FROM accounts`);
  const wide = p.models(keyModels(kind, true, keyName));
  const result = await generate({ dir: p.dir, name: 'widen_account_id', schemaPath: wide, now: NOW, retype: parseRetype('accounts.id') });
  assert.deepEqual(result.migrations.map((m) => m.tag), [...KEY_STEPS]);
  assert.deepEqual(result.findings, []);
  return { p, wide };
}

/** accounts.id's type, whether it is the primary key's only column, and how it gets its values. */
export async function keyShape(db: TestDatabase): Promise<{ type: string; primaryKey: boolean; identity: string; sequence: string | null }> {
  const r = await db.query<{ type: string; pk: boolean; identity: string; sequence: string | null }>(`
    SELECT format_type(a.atttypid, a.atttypmod) AS type, a.attidentity AS identity, pg_get_serial_sequence('accounts', 'id') AS sequence,
           EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND i.indnatts = 1 AND i.indkey[0] = a.attnum) AS pk
      FROM pg_attribute a WHERE a.attrelid = 'accounts'::regclass AND a.attname = 'id' AND NOT a.attisdropped`);
  const row = r.rows[0]!;
  return { type: row.type, primaryKey: row.pk, identity: row.identity, sequence: row.sequence };
}

/** The names of accounts' primary key constraints (one, or none while a contract is half done). */
export async function primaryKeyNames(db: TestDatabase): Promise<string[]> {
  return (await db.query<{ conname: string }>(`SELECT conname FROM pg_constraint WHERE conrelid = 'accounts'::regclass AND contype = 'p' ORDER BY 1`)).rows.map((x) => x.conname);
}

/** Columns of accounts besides id and name (the shadow and the old column while a change is open). */
export async function extraColumns(db: TestDatabase): Promise<string[]> {
  const r = await db.query<{ attname: string }>(`SELECT attname FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT IN ('id', 'name') ORDER BY 1`);
  return r.rows.map((x) => x.attname);
}

/** The foreign key of entries to accounts: whether it exists and is validated. */
export async function entriesForeignKey(db: TestDatabase): Promise<{ validated: boolean } | null> {
  const r = await db.query<{ convalidated: boolean }>(`SELECT convalidated FROM pg_constraint WHERE conname = 'entries_account_id_accounts_id_fk' AND confrelid = 'accounts'::regclass`);
  return r.rows[0] ? { validated: r.rows[0].convalidated } : null;
}

/** INVALID indexes of the database (a failed CREATE INDEX CONCURRENTLY leaves one). */
export async function invalidIndexNames(db: TestDatabase): Promise<string[]> {
  return (await db.query<{ relname: string }>(`SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid`)).rows.map((x) => x.relname);
}

/** Every account's id and name, and every entry's account, as text (ids compared across types). */
export async function keyedRows(db: TestDatabase): Promise<{ accounts: string; entries: string }> {
  const a = await db.query<{ t: string }>(`SELECT string_agg(id::text || ':' || name, ',' ORDER BY id) AS t FROM accounts`);
  const e = await db.query<{ t: string }>(`SELECT string_agg(e.id::text || ':' || e.account_id::text || ':' || a.name, ',' ORDER BY e.id) AS t FROM entries e JOIN accounts a ON a.id = e.account_id`);
  return { accounts: a.rows[0]!.t, entries: e.rows[0]!.t };
}
