/**
 * The migration linter: dangerous-operation rules on migration SQL parsed with the real PostgreSQL
 * parser. Rules are documented in docs/lint-rules.md; suppress one finding with
 * `-- dbship:allow <rule-id> <reason>` directly above the statement.
 */
import { lintSource, type LintSqlOptions } from './linter.js';
import type { LintFinding } from './types.js';

export type { LintFinding, LintRule, Severity } from './types.js';
export type { LintSqlOptions } from './linter.js';
export type { ColumnTypeLookup } from './context.js';
export { lintFiles, expandLintTargets, migrationSqlFiles } from './lint-files.js';
export { ALL_RULES, STATEMENT_RULES } from './rules/index.js';
export { findingHeadline, formatFinding, formatFindings, summaryLine } from './format.js';

/**
 * Lints the SQL of one migration file. `transactional` defaults to what the engine will do (false
 * when the header has `-- dbship:no-transaction`); a table not created earlier in the same SQL
 * counts as an existing one. Never throws on bad SQL: a syntax error is a `syntax-error` finding.
 */
export function lintSql(sql: string, options: LintSqlOptions): Promise<LintFinding[]> {
  return lintSource(sql, options);
}
