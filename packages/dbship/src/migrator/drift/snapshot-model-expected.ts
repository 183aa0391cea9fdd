import { emptySchemaModel, qualify, type ColumnModel, type EnumModel, type ForeignKeyModel, type IndexModel, type PrimaryKeyModel, type ReferentialAction, type SchemaModel, type SequenceModel, type TableModel, type UniqueModel } from './model.js';
import { columnKey, splitInclude } from './index-column.js';
import { enumType, canonicalTypeText, serialBaseType } from './type.js';
import type { Snapshot as DrizzleSnapshot, SnapshotColumn, SnapshotIndex, SnapshotTable } from '../folder/snapshot.js';

/** The schema a drizzle-kit snapshot describes, in the neutral model drift compares. */
export function expectedModel(snapshot: DrizzleSnapshot | null): SchemaModel {
  if (!snapshot) return emptySchemaModel();
  const tables = new Map<string, TableModel>();
  for (const t of Object.values(snapshot.tables)) {
    const table = expectedTable(t);
    tables.set(qualify(table.schema, table.name), table);
  }
  const enums = new Map<string, EnumModel>();
  for (const e of Object.values(snapshot.enums ?? {})) {
    const schema = e.schema || 'public';
    enums.set(qualify(schema, e.name), { schema, name: e.name, values: [...e.values] });
  }
  const sequences = new Map<string, SequenceModel>();
  for (const s of Object.values(snapshot.sequences ?? {})) {
    const schema = s.schema || 'public';
    sequences.set(qualify(schema, s.name), {
      schema, name: s.name, increment: s.increment, startWith: s.startWith, minValue: s.minValue,
      maxValue: s.maxValue, cache: s.cache, cycle: s.cycle,
    });
  }
  const schemas = new Set(Object.values(snapshot.schemas ?? {}).filter((s) => s && s !== 'public'));
  return { schemas, tables, enums, sequences };
}

function expectedTable(t: SnapshotTable): TableModel {
  const schema = t.schema || 'public';
  const columns = new Map<string, ColumnModel>();
  // PostgreSQL makes every primary key column NOT NULL; drizzle-kit's snapshot says so for an
  // inline .primaryKey() only, not for primaryKey({ columns }) over columns without .notNull().
  const keyColumns = new Set(expectedPrimaryKey(t)?.columns ?? []);
  for (const c of Object.values(t.columns)) {
    const column = expectedColumn(c);
    columns.set(c.name, keyColumns.has(c.name) ? { ...column, notNull: true } : column);
  }
  const uniques = new Map<string, UniqueModel>();
  for (const u of Object.values(t.uniqueConstraints ?? {})) {
    uniques.set(u.name, { name: u.name, columns: [...u.columns], nullsNotDistinct: u.nullsNotDistinct === true });
  }
  // Older snapshots kept a column-level unique on the column itself.
  for (const c of Object.values(t.columns)) {
    const name = c.uniqueName ?? `${t.name}_${c.name}_unique`;
    if (c.isUnique && !uniques.has(name)) uniques.set(name, { name, columns: [c.name], nullsNotDistinct: c.nullsNotDistinct === true });
  }
  const indexes = new Map<string, IndexModel>();
  for (const i of Object.values(t.indexes ?? {})) indexes.set(i.name, expectedIndex(i));
  const foreignKeys = new Map<string, ForeignKeyModel>();
  for (const f of Object.values(t.foreignKeys ?? {})) {
    foreignKeys.set(f.name, {
      name: f.name,
      columns: [...f.columnsFrom],
      refTable: qualify(f.schemaTo || 'public', f.tableTo),
      refColumns: [...f.columnsTo],
      onDelete: action(f.onDelete),
      onUpdate: action(f.onUpdate),
    });
  }
  const checks = new Map(Object.values(t.checkConstraints ?? {}).map((c) => [c.name, { name: c.name, expression: c.value }]));
  return { schema, name: t.name, columns, primaryKey: expectedPrimaryKey(t), uniques, indexes, foreignKeys, checks };
}

function expectedColumn(c: SnapshotColumn): ColumnModel {
  const serial = c.typeSchema === undefined ? serialBaseType(c.type) : null;
  const array = /\[\d*\]$/.test(c.type.trim());
  const type = c.typeSchema !== undefined
    ? enumType(c.typeSchema || 'public', c.type.trim().replace(/(\s*\[\d*\])+$/, ''), array)
    : serial ?? canonicalTypeText(c.type);
  const generation = c.identity ? c.identity.type : serial ? 'serial' : null;
  const hasDefault = c.default !== undefined && c.default !== null && generation === null && !c.generated;
  return {
    name: c.name,
    type,
    notNull: c.notNull || serial !== null || c.identity !== undefined,
    default: hasDefault ? String(c.default) : null,
    generation,
    generatedAs: c.generated?.as ?? null,
  };
}

function expectedPrimaryKey(t: SnapshotTable): PrimaryKeyModel | null {
  const composite = Object.values(t.compositePrimaryKeys ?? {})[0];
  if (composite) return { name: composite.name, columns: [...composite.columns] };
  const columns = Object.values(t.columns).filter((c) => c.primaryKey).map((c) => c.name);
  return columns.length > 0 ? { name: null, columns } : null;
}

function expectedIndex(i: SnapshotIndex): IndexModel {
  const { keys, include } = splitInclude(i.columns.map((c) => ({
    expression: c.expression,
    isExpression: c.isExpression,
    desc: c.asc === false,
    // drizzle-kit records the NULLS order it writes: LAST unless told otherwise, for DESC too.
    nullsFirst: c.nulls === 'first',
    opclass: c.opclass ?? null,
  })));
  return {
    name: i.name,
    unique: i.isUnique,
    method: (i.method ?? 'btree').toLowerCase(),
    ...(include ? { include } : {}),
    columns: keys.map(columnKey),
    where: i.where ?? null,
    with: Object.fromEntries(Object.entries(i.with ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])),
    valid: true,
  };
}

function action(value: string | undefined): ReferentialAction {
  const v = (value ?? 'no action').toLowerCase();
  return (['no action', 'restrict', 'cascade', 'set null', 'set default'] as const).find((a) => a === v) ?? 'no action';
}
