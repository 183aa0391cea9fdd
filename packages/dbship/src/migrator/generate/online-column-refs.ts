import { escapeIdentifier as q } from 'pg';
import { parseSql } from '../sql/split.js';

/**
 * Column references in a SQL expression (a check constraint, an index expression or predicate),
 * found with the PostgreSQL parser: a string literal or a function that happens to spell the
 * column's name is not a reference. The parser must be loaded (`loadParser()`).
 */

interface ColumnRef {
  /** The reference's parts (`["users", "email"]`); null for `*`. */
  readonly names: (string | null)[];
  /** Byte offset of the reference in the parsed text. */
  readonly location: number;
}

const PREFIX = 'SELECT ';

function columnRefs(expression: string): ColumnRef[] | null {
  let tree: unknown;
  try {
    tree = parseSql(`${PREFIX}${expression}`);
  } catch {
    return null;
  }
  const out: ColumnRef[] = [];
  let subquery = false;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'SubLink') subquery = true;
      if (key === 'ColumnRef') {
        const ref = value as { fields?: { String?: { sval?: string } }[]; location?: number };
        out.push({ names: (ref.fields ?? []).map((f) => f.String?.sval ?? null), location: (ref.location ?? 0) - Buffer.byteLength(PREFIX) });
      } else walk(value);
    }
  };
  walk(tree);
  const stmts = (tree as { stmts?: unknown[] }).stmts ?? [];
  return subquery || stmts.length !== 1 ? null : out;
}

/** True when the expression names `column` (alone or qualified by any table), or when it cannot be told (it does not parse). */
export function mentionsColumn(expression: string, column: string): boolean {
  const refs = columnRefs(expression);
  return refs === null || refs.some((r) => r.names.length === 0 || r.names.includes(null) || r.names[r.names.length - 1] === column);
}

/**
 * The expression with every reference to `from` of `table` turned into `to`, the rest of its text
 * unchanged (`"users"."email" like '%@%'` -> `"users"."email_address" like '%@%'`). Null when that
 * cannot be done safely: the text does not parse as one expression, has a subquery or a `*`, or
 * names `from` qualified by something other than the table.
 */
export function renameColumnIn(expression: string, table: string, from: string, to: string): string | null {
  const refs = columnRefs(expression);
  if (refs === null) return null;
  const bytes = Buffer.from(expression, 'utf8');
  const edits: { start: number; end: number }[] = [];
  for (const r of refs) {
    if (r.names.includes(null)) return null;
    const last = r.names[r.names.length - 1];
    if (last !== from) continue;
    const qualifier = r.names.slice(0, -1);
    if (qualifier.length > 2 || (qualifier.length > 0 && qualifier[qualifier.length - 1] !== table)) return null;
    const span = lastIdentifier(bytes, r.location);
    if (span === null) return null;
    edits.push(span);
  }
  let out = bytes;
  for (const e of edits.sort((a, b) => b.start - a.start)) {
    out = Buffer.concat([out.subarray(0, e.start), Buffer.from(q(to), 'utf8'), out.subarray(e.end)]);
  }
  const text = out.toString('utf8');
  const again = columnRefs(text);
  if (again === null || again.some((r) => r.names[r.names.length - 1] === from)) return null;
  return text;
}

/** The byte span of the last identifier of the dotted name that starts at `at` (`"users"."email"` -> `"email"`). */
function lastIdentifier(b: Buffer, at: number): { start: number; end: number } | null {
  let i = at;
  let span: { start: number; end: number } | null = null;
  for (;;) {
    while (i < b.length && /\s/.test(String.fromCharCode(b[i]!))) i++;
    const start = i;
    if (b[i] === 0x22) {
      i++;
      for (; i < b.length; i++) {
        if (b[i] === 0x22 && b[i + 1] === 0x22) i++;
        else if (b[i] === 0x22) break;
      }
      if (i >= b.length) return null;
      i++;
    } else {
      while (i < b.length && (b[i]! >= 0x80 || /[A-Za-z0-9_$]/.test(String.fromCharCode(b[i]!)))) i++;
    }
    if (i === start) return null;
    span = { start, end: i };
    let j = i;
    while (j < b.length && /\s/.test(String.fromCharCode(b[j]!))) j++;
    if (b[j] !== 0x2e) return span;
    i = j + 1;
  }
}
