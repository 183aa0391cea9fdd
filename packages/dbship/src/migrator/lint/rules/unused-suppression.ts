import type { LintRule } from '../types.js';

/** A `-- dbship:allow` that suppressed nothing. */
export const rule: LintRule = {
  id: 'unused-suppression',
  severity: 'warning',
  summary: 'a `-- dbship:allow` suppression that suppresses nothing',
  why: 'It is not attached to a statement (it must be in the comment lines directly above a statement, or on one of its lines), or the statement no longer has that finding; a stale suppression would silently allow the next dangerous change written there.',
  fix: 'Move it directly above the statement it is meant for, or delete it.',
  check: () => [],
};
