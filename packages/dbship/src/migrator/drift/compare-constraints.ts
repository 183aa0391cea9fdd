import { difference, differs, extra, missing, sameOptionalExpression, sqlIdent, unionKeys } from './difference.js';
import { sameExpression } from './expr.js';
import type { DriftDifference, ForeignKeyModel, IndexColumnModel, IndexModel, TableModel, UniqueModel } from './model.js';

/** Primary key, unique constraints, indexes, foreign keys and checks of one table. */
export function compareConstraints(table: string, e: TableModel, a: TableModel, out: DriftDifference[]): void {
  const sqlTable = `${sqlIdent(e.schema)}.${sqlIdent(e.name)}`;
  comparePrimaryKey(table, e, a, out);
  compareNamed(table, 'unique', 'unique constraint', withoutPrimaryKeyTwins(e, a), a.uniques, uniqueText, (x, y) => uniqueText(x) === uniqueText(y), out);
  compareIndexes(table, e, a, out);
  compareNamed(table, 'foreign-key', 'foreign key', e.foreignKeys, a.foreignKeys, foreignKeyText, (x, y) => foreignKeyText(x) === foreignKeyText(y), out);
  compareNamed(table, 'check', 'check constraint', e.checks, a.checks, (c) => `CHECK (${c.expression})`, (x, y) => sameExpression(x.expression, y.expression), out);
  reportUnvalidated(table, sqlTable, 'foreign key', e.foreignKeys, a.foreignKeys, out);
  reportUnvalidated(table, sqlTable, 'check constraint', e.checks, a.checks, out);
}

/**
 * A constraint the models define that was added NOT VALID and never validated: new rows are
 * checked, existing ones never were (the first half of the safe two-step form, without the second).
 */
function reportUnvalidated(
  table: string, sqlTable: string, label: string, expected: ReadonlyMap<string, unknown>,
  actual: ReadonlyMap<string, { readonly validated?: boolean }>, out: DriftDifference[],
): void {
  for (const [name, a] of actual) {
    if (a.validated !== false || !expected.has(name)) continue;
    out.push(difference('unvalidated-constraint', `${table}.${name}`, 'validated', 'NOT VALID',
      `${label} ${name} on ${table} is NOT VALID: rows that existed when it was added were never checked; run ALTER TABLE ${sqlTable} VALIDATE CONSTRAINT ${sqlIdent(name)}`));
  }
}

/**
 * The expected unique constraints less those that repeat the primary key: in one CREATE TABLE,
 * PostgreSQL keeps a single index for a UNIQUE constraint on exactly the primary key's columns
 * (transformIndexConstraints drops the duplicate), so the models' constraint never exists.
 * drizzle-kit writes such pairs (`primaryKey(...)` and `unique(...)` on the same columns).
 */
function withoutPrimaryKeyTwins(e: TableModel, a: TableModel): ReadonlyMap<string, UniqueModel> {
  const pk = a.primaryKey?.columns.join('\u0000');
  if (pk === undefined) return e.uniques;
  return new Map([...e.uniques].filter(([name, u]) => a.uniques.has(name) || u.nullsNotDistinct || u.columns.join('\u0000') !== pk));
}

type NamedKind = 'unique' | 'foreign-key' | 'check';

/** Objects identified by name: missing, extra, or present with a different definition. */
function compareNamed<T>(
  table: string, kind: NamedKind, label: string,
  expected: ReadonlyMap<string, T>, actual: ReadonlyMap<string, T>,
  text: (t: T) => string, same: (e: T, a: T) => boolean, out: DriftDifference[],
): void {
  for (const name of unionKeys(expected, actual)) {
    const e = expected.get(name);
    const a = actual.get(name);
    const object = `${table}.${name}`;
    if (e && !a) out.push(missing(`missing-${kind}`, object, `${label} ${name} on ${table} ${text(e)}`, text(e)));
    else if (!e && a) out.push(extra(`extra-${kind}`, object, `${label} ${name} on ${table} ${text(a)}`, text(a)));
    else if (e && a && !same(e, a)) out.push(differs(kind, object, `${label} ${name} on ${table}`, text(e), text(a)));
  }
}

function comparePrimaryKey(table: string, e: TableModel, a: TableModel, out: DriftDifference[]): void {
  const ep = e.primaryKey;
  const ap = a.primaryKey;
  const text = (columns: readonly string[]) => `PRIMARY KEY (${columns.join(', ')})`;
  if (!ep && !ap) return;
  if (ep && !ap) {
    out.push(missing('primary-key', table, `the primary key of ${table} ${text(ep.columns)}`, text(ep.columns)));
  } else if (!ep && ap) {
    out.push(extra('primary-key', `${table}.${ap.name}`, `primary key ${ap.name} on ${table} ${text(ap.columns)}`, text(ap.columns)));
  } else if (ep && ap) {
    const sameColumns = text(ep.columns) === text(ap.columns);
    const sameName = ep.name === null || ep.name === ap.name;
    if (!sameColumns || !sameName) {
      const named = (name: string | null, columns: readonly string[]) => (name ? `${name} ${text(columns)}` : text(columns));
      out.push(differs('primary-key', table, `the primary key of ${table}`, named(ep.name, ep.columns), named(ap.name, ap.columns)));
    }
  }
}

function compareIndexes(table: string, e: TableModel, a: TableModel, out: DriftDifference[]): void {
  for (const name of unionKeys(e.indexes, a.indexes)) {
    const ei = e.indexes.get(name);
    const ai = a.indexes.get(name);
    const object = `${table}.${name}`;
    const label = `index ${name} on ${table}`;
    if (ei && !ai) {
      out.push(missing('missing-index', object, `${label} ${indexText(ei)}`, indexText(ei)));
    } else if (!ei && ai) {
      const invalid = ai.valid ? '' : ' (INVALID, left by a failed CREATE INDEX CONCURRENTLY)';
      out.push(extra('extra-index', object, `${label} ${indexText(ai)}${invalid}`, indexText(ai)));
    } else if (ei && ai) {
      if (!ai.valid) {
        out.push(difference('invalid-index', object, 'valid', 'INVALID',
          `${label} is INVALID (a failed CREATE INDEX CONCURRENTLY left it): queries do not use it and writes still maintain it; drop it and create it again`));
      }
      if (!sameIndex(ei, ai)) out.push(differs('index', object, label, indexText(ei), indexText(ai)));
    }
  }
}

/** Same uniqueness, method, key columns (order, direction, NULLS order, operator class), predicate, storage options. */
export function sameIndex(e: IndexModel, a: IndexModel): boolean {
  if (e.unique !== a.unique || e.method !== a.method || e.columns.length !== a.columns.length) return false;
  if (!e.columns.every((c, i) => sameIndexColumn(c, a.columns[i]!))) return false;
  if (!sameOptionalExpression(e.where, a.where)) return false;
  if (includeText(e) !== includeText(a)) return false;
  return withText(e.with) === withText(a.with);
}

function sameIndexColumn(e: IndexColumnModel, a: IndexColumnModel): boolean {
  const sameKey = !e.isExpression && !a.isExpression ? e.expression === a.expression : sameExpression(e.expression, a.expression);
  const sameOpclass = e.opclass === a.opclass || (e.opclass !== null && e.opclass === a.defaultOpclass);
  return sameKey && sameOpclass && e.desc === a.desc && e.nullsFirst === a.nullsFirst;
}

/** `UNIQUE btree (name DESC NULLS LAST, lower(email)) WHERE ... WITH (fillfactor=70)`. */
export function indexText(i: IndexModel): string {
  const columns = i.columns.map((c) => {
    const parts = [c.expression];
    if (c.opclass) parts.push(c.opclass);
    if (c.desc) parts.push('DESC');
    if (c.nullsFirst !== c.desc) parts.push(c.nullsFirst ? 'NULLS FIRST' : 'NULLS LAST');
    return parts.join(' ');
  });
  const withPart = withText(i.with);
  const include = includeText(i);
  return `${i.unique ? 'UNIQUE ' : ''}${i.method} (${columns.join(', ')})${include ? ` INCLUDE (${include})` : ''}${i.where ? ` WHERE ${i.where}` : ''}${withPart ? ` WITH (${withPart})` : ''}`;
}

function includeText(i: IndexModel): string {
  return (i.include ?? []).join(', ');
}

function withText(options: Readonly<Record<string, string>>): string {
  return Object.keys(options).sort().map((k) => `${k}=${options[k]}`).join(', ');
}

function uniqueText(u: UniqueModel): string {
  return `UNIQUE${u.nullsNotDistinct ? ' NULLS NOT DISTINCT' : ''} (${u.columns.join(', ')})`;
}

function foreignKeyText(f: ForeignKeyModel): string {
  return `(${f.columns.join(', ')}) REFERENCES ${f.refTable} (${f.refColumns.join(', ')}) ON DELETE ${f.onDelete} ON UPDATE ${f.onUpdate}`;
}
