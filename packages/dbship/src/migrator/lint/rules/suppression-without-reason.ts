import type { LintRule } from '../types.js';

/** A `-- dbship:allow <rule-id>` with no reason after the rule id. */
export const rule: LintRule = {
  id: 'suppression-without-reason',
  severity: 'error',
  summary: 'a `-- dbship:allow` suppression without a reason',
  why: 'A suppression switches a safety check off; without the reason a reviewer cannot tell a deliberate contract step from a silenced accident. The suppression is ignored until it has one.',
  fix: 'Write the reason after the rule id, e.g. `-- dbship:allow drop-column nothing reads users.legacy_id since release 2024.06`.',
  check: () => [],
};
