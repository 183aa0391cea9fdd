import { storedIdentifier as stored } from '../sql/identifier.js';
import { qualify, type ColumnModel, type EnumModel, type ForeignKeyModel, type IndexModel, type SchemaModel, type SequenceModel, type TableModel } from './model.js';

/**
 * The expected model with every identifier as PostgreSQL stores it (cut to 63 bytes, see
 * sql/identifier.ts). drizzle-kit writes the full name into the snapshot, for example a foreign
 * key `<table>_<column>_<table>_<column>_fk` of 70 bytes, and the server keeps its first 63: without
 * this, drift would report the same constraint once as missing and once as extra.
 */
export function withStoredNames(model: SchemaModel): SchemaModel {
  const tables = new Map<string, TableModel>();
  for (const t of model.tables.values()) {
    const table = storedTable(t);
    tables.set(qualify(table.schema, table.name), table);
  }
  const enums = new Map<string, EnumModel>();
  for (const e of model.enums.values()) {
    const en = { ...e, schema: stored(e.schema), name: stored(e.name) };
    enums.set(qualify(en.schema, en.name), en);
  }
  const sequences = new Map<string, SequenceModel>();
  for (const s of model.sequences.values()) {
    const seq = { ...s, schema: stored(s.schema), name: stored(s.name) };
    sequences.set(qualify(seq.schema, seq.name), seq);
  }
  return { schemas: new Set([...model.schemas].map(stored)), tables, enums, sequences };
}

function storedTable(t: TableModel): TableModel {
  const byName = <T extends { readonly name: string }>(map: ReadonlyMap<string, T>, rename: (x: T) => T): Map<string, T> =>
    new Map([...map.values()].map((x) => rename({ ...x, name: stored(x.name) })).map((x) => [x.name, x]));
  const columns = (list: readonly string[]): string[] => list.map(stored);
  return {
    schema: stored(t.schema),
    name: stored(t.name),
    columns: byName(t.columns, (c): ColumnModel => ({ ...c, type: storedType(c.type) })),
    primaryKey: t.primaryKey && { name: t.primaryKey.name === null ? null : stored(t.primaryKey.name), columns: columns(t.primaryKey.columns) },
    uniques: byName(t.uniques, (u) => ({ ...u, columns: columns(u.columns) })),
    indexes: byName(t.indexes, (i): IndexModel => ({
      ...i,
      columns: i.columns.map((c) => (c.isExpression ? c : { ...c, expression: stored(c.expression) })),
      ...(i.include ? { include: columns(i.include) } : {}),
    })),
    foreignKeys: byName(t.foreignKeys, (f): ForeignKeyModel => ({ ...f, columns: columns(f.columns), refTable: storedQualified(f.refTable), refColumns: columns(f.refColumns) })),
    checks: byName(t.checks, (c) => c),
  };
}

/** `schema.name` with both parts stored; the schema never contains a dot in a model key. */
function storedQualified(key: string): string {
  const dot = key.indexOf('.');
  return dot < 0 ? stored(key) : qualify(stored(key.slice(0, dot)), stored(key.slice(dot + 1)));
}

/** `enum schema.name[]` (see drift-type.ts) with the enum's name stored; other types unchanged. */
function storedType(type: string): string {
  const m = /^enum (.+?)(\[\])?$/.exec(type);
  return m ? `enum ${storedQualified(m[1]!)}${m[2] ?? ''}` : type;
}
