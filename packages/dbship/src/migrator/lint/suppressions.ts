import type { LineComment } from '../sql/comments.js';
import type { SourceText } from '../sql/source.js';
import type { LintStatement } from './types.js';

/** `-- dbship:allow <rule-id> <reason>` as written in a file. */
export interface Suppression {
  /** The rule id as written ('' when none was written). */
  readonly rule: string;
  /** The reason ('' when none was written). */
  readonly reason: string;
  /** String offset of the comment. */
  readonly offset: number;
  /** Indexes of the statements it applies to (none when it stands apart from any statement). */
  readonly statements: readonly number[];
}

export const ALLOW = 'dbship:allow';
const DIRECTIVE = /^\s*dbship:allow(?:\s+(\S+))?(?:\s+(.*?))?\s*$/;

/**
 * The suppressions of a file and the statements each applies to: a directive applies to a
 * statement when it is in the block of `--` comment lines directly above the statement's first
 * line (no blank line between), or on one of the statement's own lines.
 */
export function findSuppressions(source: SourceText, statements: readonly LintStatement[], comments: readonly LineComment[]): Suppression[] {
  const byLine = new Map<number, number[]>();
  const attach = (line: number, index: number): void => {
    byLine.set(line, [...(byLine.get(line) ?? []), index]);
  };
  for (const stmt of statements) {
    for (let line = stmt.line; line <= stmt.endLine; line++) attach(line, stmt.index);
    for (let line = stmt.line - 1; line >= 1 && source.lineText(line).trimStart().startsWith('--'); line--) attach(line, stmt.index);
  }
  const found: Suppression[] = [];
  for (const comment of comments) {
    if (!/^\s*dbship:allow(\s|$)/.test(comment.body)) continue;
    const m = DIRECTIVE.exec(comment.body);
    found.push({
      rule: m?.[1] ?? '',
      reason: m?.[2] ?? '',
      offset: comment.offset,
      statements: [...new Set(byLine.get(source.lineOf(comment.offset)) ?? [])],
    });
  }
  return found;
}
