import type { LintRule } from '../types.js';

/** A `-- dbship:allow` naming a rule that does not exist (or cannot be suppressed). */
export const rule: LintRule = {
  id: 'suppression-unknown-rule',
  severity: 'error',
  summary: 'a `-- dbship:allow` suppression names an unknown rule',
  why: 'A misspelt rule id suppresses nothing, so the finding it was meant for still fails the lint, or, once the real problem is fixed, the stale comment misleads. syntax-error and the suppression rules cannot be suppressed.',
  fix: 'Use a rule id from docs/lint-rules.md (the id printed with each finding), one id per `-- dbship:allow` line.',
  check: () => [],
};
