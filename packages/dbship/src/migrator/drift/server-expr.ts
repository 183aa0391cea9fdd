import { loadedParser } from '../sql/split.js';
import { ParserNotLoaded, prepareExpressions, sameExpression } from './expr.js';
import { sqlIdent } from './difference.js';
import type { CatalogClient } from './catalog.js';
import { qualify, type CheckModel, type ColumnModel, type IndexModel, type SchemaModel, type TableModel } from './model.js';

/**
 * The server's own reading of expressions that the parser-based comparison (expr.ts) finds
 * different. A constant is stored as the value its type's input function made of it and printed
 * by its output function: `'1 hour'` is stored as `'01:00:00'::interval`, `'2020-01-01'` on a
 * timestamp column as `'2020-01-01 00:00:00'`, a uuid in lower case, `1e-7` on a real column as
 * `0.0000001`, a timestamptz literal in a check in the session's time zone. No text rule can know
 * every type's canonical output, so both texts are handed to the server, which parses, coerces
 * and folds them the same way (`EXPLAIN VERBOSE`, which plans but never runs the statement), and
 * the expected text is replaced by the live one when the server prints both the same.
 *
 * Column defaults and generated expressions are cast to the column's type first, as the server
 * coerced them when they were stored; checks, index predicates and index expressions are read
 * over their table. Only texts the parser reads as one expression are sent; a text the server
 * refuses stays a difference.
 */
export async function reconcileExpressions(client: CatalogClient, expected: SchemaModel, actual: SchemaModel): Promise<SchemaModel> {
  const pairs = candidates(expected, actual);
  if (pairs.length === 0) return expected;
  await prepareExpressions();
  const open = pairs.filter((p) => !sameExpression(p.expected, p.actual) && isSingleExpression(p.expected) && isSingleExpression(p.actual));
  const agreed = new Set<Pair>();
  for (const pair of open) {
    const type = pair.column === undefined ? undefined : await columnType(client, pair.table, pair.column);
    const e = await serverText(client, pair.table, pair.expected, type);
    const a = e === null ? null : await serverText(client, pair.table, pair.actual, type);
    if (e !== null && e === a) agreed.add(pair);
  }
  if (agreed.size === 0) return expected;
  const tables = new Map(expected.tables);
  for (const pair of agreed) {
    const key = qualify(pair.table.schema, pair.table.name);
    tables.set(key, pair.apply(tables.get(key)!));
  }
  return { ...expected, tables };
}

/** One expected text, the live text of the same object, and how to put the live text in the model. */
interface Pair {
  readonly table: TableModel;
  /** Set for a default or generated expression: the column whose type the value takes. */
  readonly column?: string | undefined;
  readonly expected: string;
  readonly actual: string;
  readonly apply: (t: TableModel) => TableModel;
}

function candidates(expected: SchemaModel, actual: SchemaModel): Pair[] {
  const out: Pair[] = [];
  for (const [key, e] of expected.tables) {
    const a = actual.tables.get(key);
    if (!a) continue;
    for (const [name, ec] of e.columns) {
      const ac = a.columns.get(name);
      if (ec.default !== null && ac?.default != null && ec.default !== ac.default) {
        out.push(columnPair(e, ec, ec.default, ac.default, (c, text) => ({ ...c, default: text })));
      }
      if (ec.generatedAs !== null && ac?.generatedAs != null && ec.generatedAs !== ac.generatedAs) {
        out.push(columnPair(e, ec, ec.generatedAs, ac.generatedAs, (c, text) => ({ ...c, generatedAs: text })));
      }
    }
    for (const [name, ei] of e.indexes) {
      const ai = a.indexes.get(name);
      if (ai) out.push(...indexPairs(e, ei, ai));
    }
    for (const [name, ek] of e.checks) {
      const ak = a.checks.get(name);
      if (ak && ek.expression !== ak.expression) {
        const live = ak.expression;
        out.push({ table: e, expected: ek.expression, actual: live, apply: (t) => withCheck(t, { ...ek, expression: live }) });
      }
    }
  }
  return out;
}

function columnPair(
  table: TableModel, column: ColumnModel, expected: string, actual: string,
  set: (c: ColumnModel, text: string) => ColumnModel,
): Pair {
  return {
    table, column: column.name, expected, actual,
    apply: (t) => {
      const columns = new Map(t.columns);
      columns.set(column.name, set(columns.get(column.name)!, actual));
      return { ...t, columns };
    },
  };
}

/** The predicate and the expression keys (position by position) of an index both sides have. */
function indexPairs(table: TableModel, e: IndexModel, a: IndexModel): Pair[] {
  const out: Pair[] = [];
  const set = (t: TableModel, change: (i: IndexModel) => IndexModel): TableModel => {
    const indexes = new Map(t.indexes);
    indexes.set(e.name, change(indexes.get(e.name)!));
    return { ...t, indexes };
  };
  if (e.where !== null && a.where !== null && e.where !== a.where) {
    const live = a.where;
    out.push({ table, expected: e.where, actual: live, apply: (t) => set(t, (i) => ({ ...i, where: live })) });
  }
  e.columns.forEach((ec, k) => {
    const ac = a.columns[k];
    if (!ec.isExpression || !ac?.isExpression || ec.expression === ac.expression) return;
    const live = ac.expression;
    const columns = (i: IndexModel) => i.columns.map((c, n) => (n === k ? { ...c, expression: live } : c));
    out.push({ table, expected: ec.expression, actual: live, apply: (t) => set(t, (i) => ({ ...i, columns: columns(i) })) });
  });
  return out;
}

function withCheck(t: TableModel, check: CheckModel): TableModel {
  const checks = new Map(t.checks);
  checks.set(check.name, check);
  return { ...t, checks };
}

/** The column's type as the server spells it (format_type), or undefined when it is gone. */
async function columnType(client: CatalogClient, table: TableModel, column: string): Promise<string | undefined> {
  const { rows } = await client.query<{ type: string }>(
    `SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) AS type FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
    [`${sqlIdent(table.schema)}.${sqlIdent(table.name)}`, column],
  );
  return rows[0]?.type;
}

/**
 * The expression as the server prints it after parsing, coercing and constant folding, or null
 * when it refuses it. A savepoint keeps the caller's (read-only) transaction usable after a refusal.
 */
async function serverText(client: CatalogClient, table: TableModel, text: string, type: string | undefined): Promise<string | null> {
  // The newline ends a trailing `--` comment inside the text before the statement goes on.
  const value = type === undefined ? `(${text}\n)` : `CAST((${text}\n) AS ${type})`;
  await client.query('SAVEPOINT dbship_expr');
  try {
    const { rows } = await client.query<{ 'QUERY PLAN': { Plan?: { Output?: string[] } }[] }>(
      `EXPLAIN (VERBOSE, COSTS OFF, FORMAT JSON) SELECT ${value} FROM ONLY ${sqlIdent(table.schema)}.${sqlIdent(table.name)}`,
    );
    await client.query('RELEASE SAVEPOINT dbship_expr');
    const output = rows[0]?.['QUERY PLAN'][0]?.Plan?.Output;
    return output?.length === 1 ? output[0]! : null;
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT dbship_expr');
    return null;
  }
}

/**
 * True when the text parses as exactly one expression (`SELECT <text>` is one statement with one
 * target), so that it can be placed in a statement without changing what the statement is.
 */
export function isSingleExpression(text: string): boolean {
  const parse = loadedParser();
  if (!parse) throw new ParserNotLoaded();
  try {
    const tree = parse(`SELECT ${text}`) as { stmts?: { stmt?: { SelectStmt?: unknown } }[] };
    const select = tree.stmts?.[0]?.stmt?.SelectStmt as (Record<string, unknown> & { targetList?: unknown[] }) | undefined;
    if (tree.stmts?.length !== 1 || select?.targetList?.length !== 1) return false;
    // Only the target list: no FROM, WHERE, set operation or locking clause came in with the text.
    return Object.keys(select).every((k) => k === 'targetList' || k === 'limitOption' || k === 'op');
  } catch {
    return false;
  }
}
