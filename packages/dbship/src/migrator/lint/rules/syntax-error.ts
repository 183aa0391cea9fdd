import type { LintRule } from '../types.js';

/** Reported by the linter itself when the PostgreSQL parser rejects the file. */
export const rule: LintRule = {
  id: 'syntax-error',
  severity: 'error',
  summary: 'the file does not parse with the PostgreSQL parser',
  why: 'The PostgreSQL 17 parser rejects the SQL, so the migration would fail on deploy before running anything; no other rule could check the file.',
  fix: 'Correct the SQL at the reported position. Run `dbship upgrade --dry-run` against a local database to see the server\'s own message.',
  check: () => [],
};
