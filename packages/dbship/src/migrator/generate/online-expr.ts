import { escapeIdentifier as q } from 'pg';
import { loadParser, parseSql } from '../sql/split.js';

/**
 * A SQL expression a user gives an online change (a split, a join), checked with the PostgreSQL
 * parser: one expression, no subquery, no parameter, no window function, and column references
 * only to the columns the change allows, unqualified. It is written as given into a backfill's
 * UPDATE (where the references name the table's columns) and, with each reference prefixed by
 * `NEW.`, into a trigger.
 */
export interface SqlExpression {
  readonly text: string;
  /** Each column reference: its byte range in `text` and the column it names. */
  readonly refs: ReadonlyArray<{ readonly start: number; readonly end: number; readonly column: string }>;
}

const PREFIX = 'SELECT (';

/**
 * Parses `text` as one expression over the `allowed` columns. `invalid(why)` builds the error
 * thrown when it is not one (the caller names the option it came from).
 */
export async function parseExpression(text: string, allowed: readonly string[], invalid: (why: string) => Error): Promise<SqlExpression> {
  const expr = text.trim();
  if (expr === '') throw invalid('the expression is empty.');
  if (expr.includes('$dbship$')) throw invalid('the expression may not contain $dbship$ (it quotes the trigger\'s body).');
  await loadParser();
  let tree: unknown;
  try {
    tree = parseSql(`${PREFIX}${expr})`);
  } catch (err) {
    throw invalid(`it is not one SQL expression: ${(err as Error).message}.`);
  }
  const stmts = (tree as { stmts?: unknown[] }).stmts ?? [];
  const select = (stmts[0] as { stmt?: { SelectStmt?: Record<string, unknown[] | undefined> } } | undefined)?.stmt?.SelectStmt;
  const clauses = Object.keys(select ?? {}).filter((k) => Array.isArray(select?.[k]) && k !== 'targetList');
  if (stmts.length !== 1 || !select || select.targetList?.length !== 1 || clauses.length > 0) throw invalid('it is not one SQL expression.');
  const found = { refs: [] as Array<{ fields: unknown[]; location: number }>, forbidden: new Set<string>() };
  walk(select.targetList, found);
  if (found.forbidden.size > 0) throw invalid(`it may not contain ${[...found.forbidden].sort().join(', ')}: it is evaluated for one row, in a trigger and in the backfill's UPDATE.`);
  const bytes = Buffer.from(expr, 'utf8');
  const refs = found.refs.map((r) => {
    const names = r.fields.map((f) => (f as { String?: { sval?: string } }).String?.sval);
    const column = names.length === 1 ? names[0] : undefined;
    if (column === undefined || !allowed.includes(column)) {
      throw invalid(`it may name only ${allowed.map((c) => `"${c}"`).join(', ')} (unqualified), not ${names.map((n) => n ?? '*').join('.')}.`);
    }
    const start = r.location - Buffer.byteLength(PREFIX);
    const end = tokenEnd(bytes, start);
    if (end === null || unquote(bytes.subarray(start, end).toString('utf8')) !== column) throw invalid(`write the column reference to "${column}" as a plain or double-quoted identifier.`);
    return { start, end, column };
  });
  return { text: expr, refs: refs.sort((a, b) => a.start - b.start) };
}

/** The expression with every column reference written as `<row>."column"` (`NEW`, `OLD`). */
export function qualify(e: SqlExpression, row: string): string {
  const bytes = Buffer.from(e.text, 'utf8');
  let out = '';
  let at = 0;
  for (const r of e.refs) {
    out += bytes.subarray(at, r.start).toString('utf8') + `${row}.${q(r.column)}`;
    at = r.end;
  }
  return `(${out}${bytes.subarray(at).toString('utf8')})`;
}

/** The expression as given, parenthesised (its references name the table's columns). */
export function plain(e: SqlExpression): string {
  return `(${e.text})`;
}

function walk(node: unknown, found: { refs: Array<{ fields: unknown[]; location: number }>; forbidden: Set<string> }): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, found);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'ColumnRef') found.refs.push(value as { fields: unknown[]; location: number });
    else if (key === 'SubLink') found.forbidden.add('a subquery');
    else if (key === 'ParamRef') found.forbidden.add('a parameter ($n)');
    else if (key === 'FuncCall' && (value as { over?: unknown }).over) found.forbidden.add('a window function');
    walk(value, found);
  }
}

/** The end (exclusive) of the identifier token that starts at `start`: "quoted" or plain. */
function tokenEnd(b: Buffer, start: number): number | null {
  if (b[start] === 0x22) {
    for (let i = start + 1; i < b.length; i++) {
      if (b[i] !== 0x22) continue;
      if (b[i + 1] === 0x22) i++;
      else return i + 1;
    }
    return null;
  }
  let i = start;
  while (i < b.length && (/[A-Za-z0-9_$]/.test(String.fromCharCode(b[i]!)) || b[i]! >= 0x80)) i++;
  return i > start ? i : null;
}

/** An identifier token as the parser reads it: "quoted" kept as written, plain folded to lower case. */
function unquote(token: string): string {
  if (token.startsWith('"')) return token.slice(1, -1).replaceAll('""', '"');
  return token.toLowerCase();
}
