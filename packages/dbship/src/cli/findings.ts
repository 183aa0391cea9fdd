import type { LintFinding } from '../migrator/lint/types.js';

/** Width the refusals are wrapped to: a default terminal. */
export const WIDTH = 80;

/**
 * The one way the CLI prints lint findings: `file:line:column  severity  rule-id  message`
 * (editors and CI logs jump to the position), then the statement, why and fix. Used by `lint`,
 * `check` and `generate`.
 */
export function formatFinding(f: LintFinding, options: { statement?: boolean; fix?: boolean } = {}): string[] {
  return [
    `${f.file}:${f.line}:${f.column}  ${f.severity}  ${f.rule}  ${f.message}`,
    ...(options.statement && f.statement ? [`  statement: ${oneLine(f.statement)}`] : []),
    `  why: ${f.why}`,
    ...(options.fix === false ? [] : [`  fix: ${f.fix}`]),
  ];
}

/** Every finding, in file order. */
export function formatFindings(findings: readonly LintFinding[], options?: { statement?: boolean; fix?: boolean }): string[] {
  return findings.flatMap((f) => formatFinding(f, options));
}

/**
 * A finding of SQL that was never written (generate refused it): the position, rule and
 * message, and the statement, wrapped to {@link WIDTH}. No why/fix text: theirs tell how to
 * edit or suppress in a file, and there is no file.
 */
export function formatRefusedStatement(f: LintFinding): string[] {
  return [...wrap(`${f.file}:${f.line}  ${f.rule}: ${f.message}`, '    ', '      '), ...wrap(oneLine(f.statement), '      | ', '      | ')];
}

/** Wraps `text` at word boundaries so that no line exceeds {@link WIDTH} (long words stay whole). */
export function wrap(text: string, first: string, rest: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

function oneLine(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}
