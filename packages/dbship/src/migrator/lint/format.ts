import type { LintFinding } from './types.js';

/**
 * The one text form of a lint finding, for `lint`, `generate` and `check` alike: the headline
 * `file:line:column  severity  rule-id  message` (editors and CI logs jump to the position), then
 * the statement when asked for, why and fix. Paths are shown as the finding carries them: callers
 * map `file` to its display form first.
 */
export function formatFinding(f: LintFinding, options: { statement?: boolean } = {}): string[] {
  return [
    findingHeadline(f),
    ...(options.statement && f.statement ? [`  statement: ${oneLine(f.statement)}`] : []),
    `  why: ${f.why}`,
    `  fix: ${f.fix}`,
  ];
}

/** Every finding, in the order given. */
export function formatFindings(findings: readonly LintFinding[], options?: { statement?: boolean }): string[] {
  return findings.flatMap((f) => formatFinding(f, options));
}

/** `file:line:column  severity  rule-id  message`. */
export function findingHeadline(f: LintFinding): string {
  return `${f.file}:${f.line}:${f.column}  ${f.severity}  ${f.rule}  ${f.message}`;
}

/** `2 errors, 1 warning in 3 files`. */
export function summaryLine(findings: readonly LintFinding[], fileCount: number): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(fileCount, 'file')}`;
}

/** A statement on one line, whitespace collapsed. */
export function oneLine(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}
