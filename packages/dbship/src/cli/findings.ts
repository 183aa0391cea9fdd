import { findingHeadline, oneLine } from '../migrator/lint/format.js';
import type { LintFinding } from '../migrator/lint/types.js';

/** Width the refusals are wrapped to: a default terminal. */
export const WIDTH = 80;

/**
 * A finding of SQL that was never written (generate refused it): the finding's headline (the one
 * finding format) and the statement, wrapped to {@link WIDTH}. No why/fix text: theirs tell how
 * to edit or suppress in a file, and there is no file.
 */
export function formatRefusedStatement(f: LintFinding): string[] {
  return [...wrap(findingHeadline(f), '    ', '      '), ...wrap(oneLine(f.statement), '      | ', '      | ')];
}

/** Wraps `text` at word boundaries so that no line exceeds {@link WIDTH} (long words stay whole). */
export function wrap(text: string, first: string, rest: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  // Words keep the spaces between them (a finding's headline separates its fields by two).
  for (const [, space, word] of text.matchAll(/(\s*)(\S+)/g)) {
    const gap = /^ +$/.test(space!) ? space! : ' ';
    if (!empty && line.length + gap.length + word!.length > width) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    line += empty ? word : `${gap}${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}
