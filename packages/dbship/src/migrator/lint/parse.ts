import { parseSync, type Node, type ParseResult } from 'libpg-query';
import { leadingTrivia, loadParser } from '../sql/split.js';

export { leadingTrivia, skipBlockComment } from '../sql/split.js';
import { tagOf } from './ast.js';
import type { SourceText } from '../sql/source.js';
import type { LintStatement } from './types.js';

/** The parse of one file: its statements, or where the parser gave up. */
export type ParseOutcome =
  | { readonly ok: true; readonly statements: LintStatement[] }
  | { readonly ok: false; readonly message: string; /** string offset */ readonly offset: number };

/**
 * Parses a file with the real PostgreSQL parser (libpg-query). Statement ranges come back in
 * UTF-8 bytes and include the comments before the code; both are converted here so that rules and
 * positions work on string offsets of the code itself.
 */
export async function parseFile(source: SourceText): Promise<ParseOutcome> {
  await loadParser();
  if (source.text.trim() === '') return { ok: true, statements: [] };
  let tree: ParseResult;
  try {
    tree = parseSync(source.text) as ParseResult;
  } catch (err) {
    const details = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    const cursor = details?.cursorPosition;
    return {
      ok: false,
      message: (err as Error).message,
      // The parser counts the error position in characters, not bytes (unlike node locations).
      offset: typeof cursor === 'number' ? source.fromCodePoint(cursor) : 0,
    };
  }
  const statements: LintStatement[] = [];
  for (const raw of tree.stmts ?? []) {
    if (!raw.stmt) continue;
    const rangeStart = source.fromByte(raw.stmt_location ?? 0);
    const rangeEnd = raw.stmt_len ? source.fromByte((raw.stmt_location ?? 0) + raw.stmt_len) : source.text.length;
    const start = rangeStart + leadingTrivia(source.text.slice(rangeStart, rangeEnd));
    const text = source.text.slice(start, rangeEnd).trimEnd();
    statements.push({
      index: statements.length,
      node: raw.stmt as Node,
      tag: tagOf(raw.stmt as Node),
      start,
      end: start + text.length,
      text,
      line: source.lineOf(start),
      endLine: source.lineOf(start + Math.max(0, text.length - 1)),
    });
  }
  return { ok: true, statements };
}
