import type { LintFinding } from './types.js';

/**
 * The human report: `file:line:column  severity  rule-id  message`, then the why and fix lines,
 * so that editors and CI logs can jump to the position.
 */
export function formatFindings(findings: readonly LintFinding[]): string[] {
  return findings.flatMap((f) => [`${f.file}:${f.line}:${f.column}  ${f.severity}  ${f.rule}  ${f.message}`, `  why: ${f.why}`, `  fix: ${f.fix}`]);
}

/** `2 errors, 1 warning in 3 files`. */
export function summaryLine(findings: readonly LintFinding[], fileCount: number): string {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${plural(fileCount, 'file')}`;
}
