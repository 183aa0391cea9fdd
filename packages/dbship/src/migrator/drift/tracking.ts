import { qualify, type SchemaModel, type TableModel } from './model.js';

/** Where drizzle-orm's migrator keeps its journal of applied migrations. */
export interface DrizzleTracking {
  /** Its table name; drizzle's default `__drizzle_migrations`. */
  readonly table: string;
  /** Its schema when the project sets one (`migrations.schema`); drizzle's default is `drizzle`. */
  readonly schema?: string | undefined;
}

/** drizzle-orm's defaults (`migrationsTable`, `migrationsSchema`). */
export const DRIZZLE_TRACKING: DrizzleTracking = { table: '__drizzle_migrations', schema: 'drizzle' };

/**
 * The live model without migration bookkeeping that no model describes: drizzle-orm's tracking
 * table, wherever it is (`drizzle`, `public` or any schema drift looks at), found by its configured
 * name, by drizzle's default name, or by its shape (id serial, hash text, created_at bigint),
 * because a project may have moved it with `migrationsTable` / `migrationsSchema` without telling
 * dbship. A table the models do define is always compared.
 */
export function withoutTrackingTables(actual: SchemaModel, expected: SchemaModel, drizzle: DrizzleTracking = DRIZZLE_TRACKING): SchemaModel {
  const names = new Set([drizzle.table, DRIZZLE_TRACKING.table]);
  const tables = new Map([...actual.tables].filter(([key, t]) => expected.tables.has(key) || !(names.has(t.name) || hasDrizzleShape(t))));
  return { ...actual, tables };
}

/** Exactly drizzle-orm's tracking table: `id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint`. */
export function hasDrizzleShape(t: TableModel): boolean {
  const id = t.columns.get('id');
  const hash = t.columns.get('hash');
  const createdAt = t.columns.get('created_at');
  return t.columns.size === 3 && id?.generation === 'serial' && id.type === 'integer' && hash?.type === 'text' && createdAt?.type === 'bigint';
}

/**
 * Schemas that hold only bookkeeping: dbship's tracking schema, always; drizzle's (`drizzle`, or
 * the configured one) unless the models put objects there (then only its tracking table is skipped).
 */
export function bookkeepingSchemas(trackingSchema: string, expected: SchemaModel, drizzle: DrizzleTracking = DRIZZLE_TRACKING): string[] {
  const used = new Set([...expected.schemas, ...[...expected.tables.values()].map((t) => t.schema), ...[...expected.enums.values()].map((e) => e.schema)]);
  const drizzleSchemas = ['drizzle', drizzle.schema ?? 'drizzle'].filter((s) => s !== 'public' && !used.has(s));
  return [...new Set([trackingSchema, ...drizzleSchemas])];
}


