import assert from 'node:assert/strict';
import { DbshipError } from '../../packages/dbship/src/errors.js';
import { downgrade } from '../../packages/dbship/src/migrator/downgrade.js';
import { loadMigrations } from '../../packages/dbship/src/migrator/folder/files.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { testConfig } from './config.js';
import type { TestDatabase } from './db.js';

/**
 * The public schema as the catalog describes it, independent of object ids and column order (a
 * down file cannot put a re-added column back in its old position): relations, columns with
 * type / nullability / default / identity, indexes, constraints, sequences, enums, views,
 * functions and triggers, each a sorted list of definition strings.
 */
const CATALOG_QUERIES: Record<string, string> = {
  relations: `SELECT format('%s %s', c.relname, c.relkind) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'i', 'I')`,
  columns: `SELECT format('%s.%s %s%s%s%s%s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                   CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                   COALESCE(' default ' || pg_get_expr(d.adbin, d.adrelid), ''),
                   CASE a.attidentity WHEN '' THEN '' ELSE ' identity ' || a.attidentity::text END,
                   CASE a.attgenerated WHEN '' THEN '' ELSE ' generated ' || a.attgenerated::text END)
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped`,
  indexes: `SELECT pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END
              FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public'`,
  constraints: `SELECT format('%s %s %s', COALESCE(c.conrelid::regclass::text, c.contypid::regtype::text), c.conname, pg_get_constraintdef(c.oid))
                  FROM pg_constraint c WHERE c.connamespace = 'public'::regnamespace`,
  sequences: `SELECT format('%s %s start %s inc %s min %s max %s cycle %s', sequencename, data_type, start_value, increment_by, min_value, max_value, cycle)
                FROM pg_sequences WHERE schemaname = 'public'`,
  types: `SELECT format('%s %s %s', t.typname, t.typtype::text,
                 COALESCE((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), format_type(t.typbasetype, t.typtypmod)))
            FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd')`,
  views: `SELECT c.relname || ': ' || pg_get_viewdef(c.oid) FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm')`,
  functions: `SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace`,
  triggers: `SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
              WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal`,
};

export type Schema = Record<string, string[]>;

export async function captureSchema(db: TestDatabase): Promise<Schema> {
  const schema: Schema = {};
  for (const [part, sql] of Object.entries(CATALOG_QUERIES)) {
    const { rows } = await db.query(`SELECT d FROM (${sql}) AS q(d) ORDER BY d COLLATE "C"`);
    schema[part] = rows.map((r) => r.d as string);
  }
  return schema;
}

async function expectIrreversible(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err) => err instanceof DbshipError && err.code === 'IRREVERSIBLE');
}

/**
 * Upgrades one migration at a time, capturing the schema after each; then for every migration,
 * newest first: downgrade one step, upgrade one step (same schema as before), downgrade one step
 * (same schema as before that migration was first applied). Stops at an irreversible migration,
 * after checking that downgrade refuses it. Returns how many migrations were round-tripped.
 */
export async function roundTrip(db: TestDatabase, dir: string): Promise<number> {
  const config = testConfig(db, dir);
  const files = loadMigrations(dir);
  const states: Schema[] = [await captureSchema(db)];
  for (const file of files) {
    assert.deepEqual((await upgrade(config, { to: file.name })).applied.map((a) => a.name), [file.name]);
    states.push(await captureSchema(db));
  }
  for (let i = files.length - 1; i >= 0; i--) {
    const file = files[i]!;
    if (file.irreversible !== null || file.downSql === null) {
      await expectIrreversible(downgrade(config));
      return files.length - 1 - i;
    }
    assert.deepEqual(await captureSchema(db), states[i + 1], `schema before reverting ${file.name}`);
    assert.deepEqual((await downgrade(config)).reverted.map((r) => r.name), [file.name]);
    assert.deepEqual(await captureSchema(db), states[i], `${file.name}.down.sql restores the schema it found`);
    assert.deepEqual((await upgrade(config, { to: file.name })).applied.map((a) => a.name), [file.name]);
    assert.deepEqual(await captureSchema(db), states[i + 1], `${file.name}: down then up gives the same schema`);
    await downgrade(config);
  }
  return files.length;
}
