import type pg from 'pg';
import { qualify, type CheckModel, type ColumnModel, type EnumModel, type ForeignKeyModel, type IndexColumnModel, type IndexModel, type PrimaryKeyModel, type ReferentialAction, type SchemaModel, type SequenceModel, type TableModel, type UniqueModel } from './model.js';
import { enumType, canonicalTypeText } from './type.js';
import { COLUMNS_SQL, CONSTRAINTS_SQL, ENUMS_SQL, INDEXES_SQL, SCHEMAS_SQL, SEQUENCES_SQL, TABLES_SQL } from './catalog-queries.js';

/** Anything that runs a query: a pinned client (drift runs all queries on one, in one snapshot). */
export type CatalogClient = Pick<pg.ClientBase, 'query'>;

/**
 * Reads the live schema of the given schemas from pg_catalog into the neutral model. Read-only;
 * run it inside one REPEATABLE READ transaction so that every query sees the same catalog.
 */
export async function readCatalog(client: CatalogClient, schemas: readonly string[]): Promise<SchemaModel> {
  const present = (await client.query<{ name: string }>(SCHEMAS_SQL, [schemas])).rows.map((r) => r.name);
  const tableRows = (await client.query<TableRow>(TABLES_SQL, [schemas])).rows;
  const oids = tableRows.map((t) => t.oid);
  const builders = new Map(tableRows.map((t) => [t.oid, newTable(t)]));
  for (const r of (await client.query<ColumnRow>(COLUMNS_SQL, [oids])).rows) {
    builders.get(r.table_oid)?.columns.set(r.name, liveColumn(r));
  }
  for (const r of (await client.query<ConstraintRow>(CONSTRAINTS_SQL, [oids])).rows) {
    const t = builders.get(r.table_oid);
    if (t) addConstraint(t, r);
  }
  for (const r of (await client.query<IndexRow>(INDEXES_SQL, [oids])).rows) {
    builders.get(r.table_oid)?.indexes.set(r.name, liveIndex(r));
  }
  const enums = new Map<string, EnumModel>();
  for (const r of (await client.query<EnumRow>(ENUMS_SQL, [schemas])).rows) {
    enums.set(qualify(r.schema, r.name), { schema: r.schema, name: r.name, values: r.labels });
  }
  const sequences = new Map<string, SequenceModel>();
  for (const r of (await client.query<SequenceRow>(SEQUENCES_SQL, [schemas])).rows) {
    sequences.set(qualify(r.schema, r.name), {
      schema: r.schema, name: r.name, increment: r.increment, startWith: r.start_with, minValue: r.min_value,
      maxValue: r.max_value, cache: r.cache, cycle: r.cycle,
    });
  }
  const tables = new Map<string, TableModel>([...builders.values()].map((t) => [qualify(t.schema, t.name), t]));
  return { schemas: new Set(present), tables, enums, sequences };
}

interface TableRow { oid: string; schema: string; name: string }

interface ColumnRow {
  table_oid: string; name: string; type: string; not_null: boolean; identity: string; generated: string;
  default_expr: string | null; is_enum: boolean; enum_schema: string; enum_name: string; is_array: boolean; owns_sequence: boolean;
}

interface ConstraintRow {
  table_oid: string; name: string; type: 'p' | 'u' | 'f' | 'c'; columns: string[];
  ref_schema: string | null; ref_table: string | null; ref_columns: string[];
  on_delete: string; on_update: string; check_expr: string | null; validated: boolean; nulls_not_distinct: boolean;
}

interface IndexRow {
  table_oid: string; name: string; is_unique: boolean; is_valid: boolean; method: string; where_expr: string | null;
  options: string[]; columns: { expression: string; isExpression: boolean; option: number; opclass: string | null; opclassDefault: boolean | null }[];
  include: string[];
}

interface EnumRow { schema: string; name: string; labels: string[] }

interface SequenceRow {
  schema: string; name: string; increment: string; start_with: string; min_value: string; max_value: string; cache: string; cycle: boolean;
}

/** A table being filled in; mutable here, read-only once returned as a {@link TableModel}. */
interface TableBuilder extends TableModel {
  primaryKey: PrimaryKeyModel | null;
  readonly columns: Map<string, ColumnModel>;
  readonly uniques: Map<string, UniqueModel>;
  readonly indexes: Map<string, IndexModel>;
  readonly foreignKeys: Map<string, ForeignKeyModel>;
  readonly checks: Map<string, CheckModel>;
}

function newTable(t: TableRow): TableBuilder {
  return {
    schema: t.schema, name: t.name, columns: new Map(), primaryKey: null,
    uniques: new Map(), indexes: new Map(), foreignKeys: new Map(), checks: new Map(),
  };
}

function liveColumn(r: ColumnRow): ColumnModel {
  const generatedAs = r.generated !== '' ? r.default_expr : null;
  const identity = r.identity === 'a' ? 'always' : r.identity === 'd' ? 'byDefault' : null;
  // serial = a nextval() default on a sequence this column owns; the default is its mechanism.
  const serial = identity === null && generatedAs === null && r.owns_sequence && /^nextval\(/i.test(r.default_expr ?? '');
  return {
    name: r.name,
    type: r.is_enum ? enumType(r.enum_schema, r.enum_name, r.is_array) : canonicalTypeText(r.type),
    notNull: r.not_null,
    default: generatedAs === null && !serial ? r.default_expr : null,
    generation: identity ?? (serial ? 'serial' : null),
    generatedAs,
  };
}

const ACTIONS: Readonly<Record<string, ReferentialAction>> = {
  a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default',
};

function addConstraint(t: TableBuilder, r: ConstraintRow): void {
  switch (r.type) {
    case 'p':
      t.primaryKey = { name: r.name, columns: r.columns };
      break;
    case 'u':
      t.uniques.set(r.name, { name: r.name, columns: r.columns, nullsNotDistinct: r.nulls_not_distinct });
      break;
    case 'f':
      t.foreignKeys.set(r.name, {
        name: r.name,
        columns: r.columns,
        refTable: qualify(r.ref_schema ?? '?', r.ref_table ?? '?'),
        refColumns: r.ref_columns,
        onDelete: ACTIONS[r.on_delete] ?? 'no action',
        onUpdate: ACTIONS[r.on_update] ?? 'no action',
        validated: r.validated,
      });
      break;
    case 'c':
      t.checks.set(r.name, { name: r.name, expression: r.check_expr ?? '', validated: r.validated });
      break;
  }
}

function liveIndex(r: IndexRow): IndexModel {
  const columns: IndexColumnModel[] = r.columns.map((c) => ({
    expression: c.expression,
    isExpression: c.isExpression,
    // pg_index.indoption bits: 1 = DESC, 2 = NULLS FIRST (src/include/catalog/pg_index.h).
    desc: (c.option & 1) !== 0,
    nullsFirst: (c.option & 2) !== 0,
    opclass: c.opclassDefault === false ? c.opclass : null,
    defaultOpclass: c.opclassDefault === false ? null : c.opclass,
  }));
  const withOptions: Record<string, string> = {};
  for (const o of r.options) {
    const eq = o.indexOf('=');
    if (eq > 0) withOptions[o.slice(0, eq).toLowerCase()] = o.slice(eq + 1);
  }
  return { name: r.name, unique: r.is_unique, method: r.method, columns, where: r.where_expr, with: withOptions, valid: r.is_valid, include: r.include };
}
