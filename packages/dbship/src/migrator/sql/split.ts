import type * as LibPgQuery from 'libpg-query';
import type { Node } from 'libpg-query';
import { SourceText } from './source.js';

/** One statement of a migration file, with where it starts in the file. */
export interface SqlStatement {
  /** The statement text (without the trailing semicolon's following whitespace). */
  readonly text: string;
  /** Character offset of the statement in the file. */
  readonly offset: number;
  /** The parse tree of the statement, keyed by its node type (e.g. `{ TransactionStmt: {...} }`). */
  readonly node?: Record<string, unknown>;
}

/** A statement with its parse tree, positioned in the whole file. */
export interface ParsedStatement extends SqlStatement {
  /** The parse tree; its `location`s are UTF-8 byte offsets in the whole file. */
  readonly node: Node;
}

/** The marker drizzle-kit writes between statements; drizzle-orm's migrator splits files on it. */
export const BREAKPOINT = '--> statement-breakpoint';

/** A file the PostgreSQL parser rejects, with the position in the whole file. */
export class SqlSyntaxError extends Error {
  /** String offset in the file where the parser gave up. */
  readonly offset: number;

  constructor(message: string, offset: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SqlSyntaxError';
    this.offset = offset;
  }
}

let loaded: Promise<void> | undefined;
let parser: typeof LibPgQuery.parseSync | undefined;

/**
 * Loads the PostgreSQL parser (WebAssembly) once per process. Its module is imported here, not
 * at start: `deploy` with nothing to apply and no expression to compare never pays for it.
 */
export function loadParser(): Promise<void> {
  loaded ??= import('libpg-query').then(async (lib) => {
    await lib.loadModule();
    parser = lib.parseSync;
  });
  return loaded;
}

/** The parser's `parseSync`, once {@link loadParser} resolved; undefined before. */
export function loadedParser(): typeof LibPgQuery.parseSync | undefined {
  return parser;
}

/**
 * libpg-query's `parseSync` for the modules that parse synchronously (lint, generate): they
 * await {@link loadParser} first and never import the parser's module themselves, so that a
 * bundle holding them does not load it at start. Throws, as `parseSync` does, before it is loaded.
 */
export function parseSql(sql: string): unknown {
  if (!parser) throw new Error('the PostgreSQL parser is not loaded: await loadParser() first');
  return parser(sql);
}

interface RawStmt {
  stmt?: Node;
  stmt_location?: number;
  stmt_len?: number;
}

/**
 * The pieces of a file between `--> statement-breakpoint` markers, with the string offset of
 * each, exactly as drizzle-orm's migrator cuts them (a plain text split, wherever the marker is).
 * It then sends each piece as one query, so a statement may end at a marker without `;`.
 */
export function breakpointChunks(sql: string): Array<{ text: string; offset: number }> {
  const chunks: Array<{ text: string; offset: number }> = [];
  let offset = 0;
  for (;;) {
    const at = sql.indexOf(BREAKPOINT, offset);
    chunks.push({ text: sql.slice(offset, at < 0 ? sql.length : at), offset });
    if (at < 0) return chunks;
    offset = at + BREAKPOINT.length;
  }
}

/**
 * Parses a migration file with the real PostgreSQL parser as drizzle-orm's migrator reads it: cut
 * at each `--> statement-breakpoint` first, then each piece parsed on its own (semicolons inside
 * strings, dollar-quoted bodies and comments are handled as the server would). Positions are
 * those of the whole file: statement offsets in string offsets, node `location`s in UTF-8 bytes.
 * Throws {@link SqlSyntaxError} at the position the parser gave up.
 */
export async function parseStatements(sql: string): Promise<ParsedStatement[]> {
  await loadParser();
  const result: ParsedStatement[] = [];
  let bytesBefore = 0;
  let counted = 0;
  for (const chunk of breakpointChunks(sql)) {
    bytesBefore += Buffer.byteLength(sql.slice(counted, chunk.offset), 'utf8');
    counted = chunk.offset;
    if (chunk.text.trim() === '') continue;
    const source = new SourceText(chunk.text);
    let tree: { stmts?: RawStmt[] };
    try {
      tree = parseSql(chunk.text) as { stmts?: RawStmt[] };
    } catch (err) {
      // libpg-query reports a syntax error's cursor in code points (node locations are in bytes).
      const cursor = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
      throw new SqlSyntaxError((err as Error).message, chunk.offset + (typeof cursor === 'number' ? source.fromCodePoint(cursor) : 0), { cause: err });
    }
    for (const raw of tree.stmts ?? []) {
      if (!raw.stmt) continue;
      const rangeStart = source.fromByte(raw.stmt_location ?? 0);
      const rangeEnd = raw.stmt_len ? source.fromByte((raw.stmt_location ?? 0) + raw.stmt_len) : chunk.text.length;
      // The parser's statement range includes leading comments and whitespace; skip to the code.
      const start = rangeStart + leadingTrivia(chunk.text.slice(rangeStart, rangeEnd));
      const text = chunk.text.slice(start, rangeEnd).trimEnd();
      if (text === '') continue;
      if (bytesBefore > 0) shiftLocations(raw.stmt, bytesBefore);
      result.push({ text, offset: chunk.offset + start, node: raw.stmt });
    }
  }
  return result;
}

/**
 * The statements of a migration file, as {@link parseStatements} reads them. A run asks for the
 * statements of each file several times (checked before the first runs, then before and while it
 * runs): the file is parsed once. Statements are read-only.
 */
export function splitStatements(sql: string): Promise<SqlStatement[]> {
  let split = splitCache.get(sql);
  if (!split) {
    if (splitCache.size >= SPLIT_CACHE_MAX) splitCache.clear();
    split = parseStatements(sql).then((statements) => statements.map(({ text, offset, node }) => ({ text, offset, node: node as Record<string, unknown> })));
    splitCache.set(sql, split);
    split.catch(() => splitCache.delete(sql));
  }
  return split;
}

const splitCache = new Map<string, Promise<SqlStatement[]>>();
/** More files than any history holds; a long-lived process that reads many texts starts afresh. */
const SPLIT_CACHE_MAX = 5_000;

/** Moves every `location` in a parse tree by `base` bytes (a piece parsed apart from its file). */
export function shiftLocations(value: unknown, base: number): void {
  if (Array.isArray(value)) {
    for (const item of value) shiftLocations(item, base);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  for (const [key, child] of Object.entries(record)) {
    if (key === 'location' && typeof child === 'number' && child >= 0) record[key] = child + base;
    else shiftLocations(child, base);
  }
}

/** Length of the whitespace and comments before a statement's first token. */
export function leadingTrivia(s: string): number {
  let i = 0;
  for (;;) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (s.startsWith('--', i)) {
      const nl = s.indexOf('\n', i);
      i = nl === -1 ? s.length : nl + 1;
    } else if (s.startsWith('/*', i)) {
      i = skipBlockComment(s, i);
    } else {
      return i;
    }
  }
}

/** Index after a (possibly nested, as PostgreSQL allows) block comment starting at `i`. */
export function skipBlockComment(s: string, i: number): number {
  let depth = 0;
  while (i < s.length) {
    if (s.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (s.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return s.length;
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  // Columns count characters (code points), so an emoji is one column, as an editor shows it.
  const column = [...before.slice(before.lastIndexOf('\n') + 1)].length + 1;
  return { line, column };
}

/** The source line holding `offset`, and a caret line under it. */
export function caretExcerpt(text: string, offset: number): [string, string] {
  const { line, column } = lineColumn(text, offset);
  const source = text.split('\n')[line - 1] ?? '';
  return [source, `${' '.repeat(Math.max(0, column - 1))}^`];
}
