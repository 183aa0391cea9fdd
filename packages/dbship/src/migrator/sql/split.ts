import { loadModule, parseSync } from 'libpg-query';

/** One statement of a migration file, with where it starts in the file. */
export interface SqlStatement {
  /** The statement text (without the trailing semicolon's following whitespace). */
  readonly text: string;
  /** Character offset of the statement in the file. */
  readonly offset: number;
  /** The parse tree of the statement, keyed by its node type (e.g. `{ TransactionStmt: {...} }`). */
  readonly node?: Record<string, unknown>;
}

let loaded: Promise<void> | undefined;

/** Loads the PostgreSQL parser (WebAssembly) once per process. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

interface RawStmt {
  stmt?: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number;
}

/**
 * Splits SQL into statements with the real PostgreSQL parser (so semicolons inside strings,
 * dollar-quoted function bodies and comments are handled as the server would). Throws the
 * parser's error (with `sqlDetails.cursorPosition`) on a syntax error.
 */
export async function splitStatements(sql: string): Promise<SqlStatement[]> {
  await loadParser();
  const tree = parseSync(sql) as { stmts?: RawStmt[] };
  const bytes = Buffer.from(sql, 'utf8');
  const result: SqlStatement[] = [];
  for (const raw of tree.stmts ?? []) {
    const startByte = raw.stmt_location ?? 0;
    const endByte = raw.stmt_len ? startByte + raw.stmt_len : bytes.length;
    const before = bytes.subarray(0, startByte).toString('utf8');
    const piece = bytes.subarray(startByte, endByte).toString('utf8');
    // The parser's statement range includes leading comments and whitespace; skip to the code.
    const lead = leadingTrivia(piece);
    const text = piece.slice(lead).trimEnd();
    if (text !== '') result.push({ text, offset: before.length + lead, node: raw.stmt ?? {} });
  }
  return result;
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
