import { loadedParser, loadParser } from '../sql/split.js';

/**
 * Compares SQL expressions (column defaults, CHECK constraints, index expressions and predicates,
 * generated columns) as the server means them rather than as they are spelled. The models write
 * `"users"."n" > 0` and `'x'`; the server stores and prints `n > 0::numeric` and `'x'::text`.
 * Both are parsed with the real PostgreSQL parser and reduced to a canonical tree:
 *
 * - casts are dropped (the server adds implicit ones), constants compare by their text
 *   (`'1.5'` = `1.5`), JSON constants by their content, array literals element by element;
 * - column references lose their table qualification;
 * - `x IN (a, b)` = `x = ANY (ARRAY[a, b])`, `x IN (a)` = `x = a`, `BETWEEN` = two comparisons,
 *   `LIKE` = `~~`, nested AND / OR are flattened, `pg_catalog.` is dropped from names.
 *
 * The price of ignoring casts: an explicit cast that changes meaning is not seen. A text that
 * does not parse is compared with its whitespace collapsed.
 */

/**
 * Loads the parser; call (and await) once before {@link expressionKey}, or before
 * {@link sameExpression} on texts that may differ. Until then, comparing two different texts throws
 * {@link ParserNotLoaded}, so that a caller can compare first and load the parser only when some
 * texts differ (the drift check of an up-to-date database usually finds every text identical).
 */
export function prepareExpressions(): Promise<void> {
  return loadParser();
}

/** {@link sameExpression} needed the parser before {@link prepareExpressions} loaded it. */
export class ParserNotLoaded extends Error {
  constructor() {
    super('comparing two different expression texts needs the PostgreSQL parser: await prepareExpressions() first');
    this.name = 'ParserNotLoaded';
  }
}

/** True when two expression texts mean the same to the server (see the module comment). */
export function sameExpression(a: string, b: string): boolean {
  // Identical texts mean the same: skip the parser (the drift check's main cost in the init
  // container). Only exact equality: whitespace inside a string literal is meaningful.
  if (a === b) return true;
  return expressionKey(a) === expressionKey(b);
}

/** The canonical form of an expression text: equal keys mean equal expressions. */
export function expressionKey(text: string): string {
  const parse = loadedParser();
  if (!parse) throw new ParserNotLoaded();
  let tree: ParseTree;
  try {
    tree = parse(`SELECT ${text}`) as ParseTree;
  } catch {
    return `text:${text.replace(/\s+/g, ' ').trim()}`;
  }
  const targets = tree.stmts?.[0]?.stmt?.SelectStmt?.targetList;
  if (tree.stmts?.length !== 1 || targets?.length !== 1) return `text:${text.replace(/\s+/g, ' ').trim()}`;
  return stableStringify(normalize(targets[0]?.ResTarget?.val));
}

interface ParseTree {
  stmts?: { stmt?: { SelectStmt?: { targetList?: { ResTarget?: { val?: unknown } }[] } } }[];
}

type Node = Record<string, unknown>;

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (!isNode(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const tag = keys[0]!;
    const body = value[tag];
    if (isNode(body)) {
      const special = normalizeTagged(tag, body);
      if (special !== undefined) return special;
    }
  }
  const out: Node = {};
  for (const k of keys) if (k !== 'location') out[k] = normalize(value[k]);
  return out;
}

function normalizeTagged(tag: string, body: Node): unknown {
  switch (tag) {
    case 'TypeCast':
      return normalizeCast(body);
    case 'A_Const':
      return constant(body);
    case 'ColumnRef': {
      const fields = body.fields as unknown[] | undefined;
      return { column: normalize(fields?.[fields.length - 1]) };
    }
    case 'A_Expr':
      return normalizeOperator(body);
    case 'BoolExpr':
      return flattenBool(body);
    case 'FuncCall':
      return normalizeCall(body);
    default:
      return undefined;
  }
}

function normalizeCast(body: Node): unknown {
  const typeNames = ((body.typeName as Node | undefined)?.names as Node[] | undefined) ?? [];
  const last = stringOf(typeNames[typeNames.length - 1]);
  const arg = body.arg;
  if ((last === 'json' || last === 'jsonb') && isNode(arg) && isNode(arg.A_Const)) {
    const text = stringOf((arg.A_Const as Node).sval);
    if (text !== undefined) return { const: canonicalJson(text) };
  }
  return normalize(arg);
}

function constant(body: Node): unknown {
  if (body.isnull) return { null: true };
  const pick = (k: string) => (isNode(body[k]) ? (body[k] as Node)[k] : undefined);
  if ('ival' in body) return { const: String(pick('ival') ?? 0) };
  if ('fval' in body) return { const: String(pick('fval')) };
  if ('boolval' in body) return { const: pick('boolval') === true ? 'true' : 'false' };
  if ('bsval' in body) return { const: String(pick('bsval')) };
  const text = String(pick('sval') ?? '');
  // drizzle-kit writes a json default without its cast ('{"a": 1}'), the server with it
  // ('{"a": 1}'::json, whose content normalizeCast canonicalises): compare JSON by content here too.
  const json = /^\s*[[{]/.test(text) ? canonicalJsonOrUndefined(text) : undefined;
  return { const: json ?? canonicalArrayLiteral(text) ?? text };
}

function normalizeOperator(body: Node): unknown {
  const kind = String(body.kind);
  const name = qualifiedName(body.name);
  const lexpr = normalize(body.lexpr);
  const rexpr = body.rexpr as Node | undefined;
  const items = (rexpr?.List as Node | undefined)?.items as unknown[] | undefined;
  const elements = (rexpr?.A_ArrayExpr as Node | undefined)?.elements as unknown[] | undefined;
  if (kind === 'AEXPR_IN' && items) return membership(name === '=' ? 'ANY' : 'ALL', name, lexpr, items);
  if ((kind === 'AEXPR_OP_ANY' || kind === 'AEXPR_OP_ALL') && elements) {
    return membership(kind === 'AEXPR_OP_ANY' ? 'ANY' : 'ALL', name, lexpr, elements);
  }
  if ((kind === 'AEXPR_BETWEEN' || kind === 'AEXPR_NOT_BETWEEN') && items?.length === 2) {
    const [low, high] = items.map(normalize);
    const between = kind === 'AEXPR_BETWEEN';
    const args = [op(between ? '>=' : '<', lexpr, low), op(between ? '<=' : '>', lexpr, high)];
    return { bool: { boolop: between ? 'AND_EXPR' : 'OR_EXPR', args } };
  }
  const opKind = kind === 'AEXPR_LIKE' || kind === 'AEXPR_ILIKE' ? 'AEXPR_OP' : kind;
  return { op: { kind: opKind, name, lexpr, rexpr: normalize(rexpr) } };
}

function membership(quantifier: 'ANY' | 'ALL', name: string, lexpr: unknown, items: unknown[]): unknown {
  const list = items.map(normalize);
  if (list.length === 1) return op(name, lexpr, list[0]);
  return { op: { kind: quantifier, name, lexpr, rexpr: { list } } };
}

function op(name: string, lexpr: unknown, rexpr: unknown): unknown {
  return { op: { kind: 'AEXPR_OP', name, lexpr, rexpr } };
}

function flattenBool(body: Node): unknown {
  const boolop = String(body.boolop);
  const args = ((body.args as unknown[] | undefined) ?? []).map(normalize);
  if (boolop === 'NOT_EXPR') return { bool: { boolop, args } };
  const flat: unknown[] = [];
  for (const a of args) {
    const inner = isNode(a) && isNode(a.bool) ? (a.bool as Node) : undefined;
    if (inner && inner.boolop === boolop) flat.push(...(inner.args as unknown[]));
    else flat.push(a);
  }
  return { bool: { boolop, args: flat } };
}

function normalizeCall(body: Node): unknown {
  const out: Node = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'location' || k === 'funcformat') continue;
    out[k] = k === 'funcname' ? qualifiedName(v) : normalize(v);
  }
  return { call: out };
}

/** `pg_catalog.lower` and `lower` are the same function; operators and names joined with dots. */
function qualifiedName(names: unknown): string {
  const parts = Array.isArray(names) ? names.map((n) => stringOf(n) ?? '?') : [];
  if (parts[0] === 'pg_catalog' && parts.length > 1) parts.shift();
  return parts.join('.');
}

function stringOf(node: unknown): string | undefined {
  if (!isNode(node)) return undefined;
  const s = (node.String as Node | undefined)?.sval ?? node.sval;
  return typeof s === 'string' ? s : undefined;
}

function canonicalJsonOrUndefined(text: string): string | undefined {
  try {
    return stableStringify(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function canonicalJson(text: string): string {
  try {
    return stableStringify(JSON.parse(text));
  } catch {
    return text;
  }
}

/** Object keys sorted, so equal trees give equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (isNode(value)) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A PostgreSQL array literal (`{a,"b c",NULL}`) with every element quoted the same way, or null
 * when the text is not one. `{"a","b c"}` and `{a,"b c"}` give the same result.
 */
export function canonicalArrayLiteral(text: string): string | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return null;
  const parsed = parseArray(trimmed, 0);
  if (!parsed || trimmed.slice(parsed.end).trim() !== '') return null;
  return parsed.text;
}

function parseArray(s: string, start: number): { text: string; end: number } | null {
  let i = start + 1;
  const items: string[] = [];
  const skip = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  skip();
  if (s[i] === '}') return { text: '{}', end: i + 1 };
  for (;;) {
    skip();
    const item = s[i] === '{' ? parseArray(s, i) : s[i] === '"' ? parseQuoted(s, i) : parseBare(s, i);
    if (!item) return null;
    items.push(item.text);
    i = item.end;
    skip();
    if (s[i] === '}') return { text: `{${items.join(',')}}`, end: i + 1 };
    if (s[i] !== ',') return null;
    i++;
  }
}

function parseQuoted(s: string, start: number): { text: string; end: number } | null {
  let value = '';
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') value += s[++i] ?? '';
    else if (c === '"') return { text: quoteElement(value), end: i + 1 };
    else value += c;
  }
  return null;
}

function parseBare(s: string, start: number): { text: string; end: number } | null {
  let i = start;
  let value = '';
  while (i < s.length && !',{}"'.includes(s[i]!)) {
    if (s[i] === '\\') i++;
    value += s[i] ?? '';
    i++;
  }
  value = value.trim();
  if (value === '') return null;
  return { text: value.toUpperCase() === 'NULL' ? 'NULL' : quoteElement(value), end: i };
}

function quoteElement(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
