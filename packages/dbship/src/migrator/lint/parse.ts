import type { Node } from 'libpg-query';
import { parseStatements, SqlSyntaxError } from '../sql/split.js';

export { leadingTrivia, skipBlockComment } from '../sql/split.js';
import { tagOf } from './ast.js';
import type { SourceText } from '../sql/source.js';
import type { LintStatement } from './types.js';

/** The parse of one file: its statements, or where the parser gave up. */
export type ParseOutcome =
  | { readonly ok: true; readonly statements: LintStatement[] }
  | { readonly ok: false; readonly message: string; /** string offset */ readonly offset: number };

/**
 * Parses a file with the real PostgreSQL parser (libpg-query), exactly as the runtime reads it
 * before running it: cut at each `--> statement-breakpoint`, each piece parsed on its own (see
 * `parseStatements`). Positions are string offsets of the code itself in the whole file.
 */
export async function parseFile(source: SourceText): Promise<ParseOutcome> {
  if (source.text.trim() === '') return { ok: true, statements: [] };
  let parsed;
  try {
    parsed = await parseStatements(source.text);
  } catch (err) {
    if (!(err instanceof SqlSyntaxError)) throw err;
    return { ok: false, message: err.message, offset: err.offset };
  }
  return {
    ok: true,
    statements: parsed.map((p, index) => ({
      index,
      node: p.node as Node,
      tag: tagOf(p.node as Node),
      start: p.offset,
      end: p.offset + p.text.length,
      text: p.text,
      line: source.lineOf(p.offset),
      endLine: source.lineOf(p.offset + Math.max(0, p.text.length - 1)),
    })),
  };
}
