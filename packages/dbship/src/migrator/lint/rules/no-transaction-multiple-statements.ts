import { perFile } from '../per-file.js';
import type { LintRule } from '../types.js';

/** A `-- dbship:no-transaction` migration with more than one statement (SET statements aside). */
export const rule: LintRule = {
  id: 'no-transaction-multiple-statements',
  severity: 'warning',
  summary: 'a `-- dbship:no-transaction` migration with more than one statement',
  why:
    'Without a transaction each statement commits on its own. If a later statement fails, the earlier ones stay ' +
    'applied but the migration is not recorded. dbship records each committed statement and the next deploy ' +
    'resumes at the failed one, but a statement that committed in the instant before its record (a kill -9 right ' +
    'then) runs again and fails with "already exists" unless it is safe to repeat.',
  fix:
    'Put one statement in each no-transaction migration (typically one CREATE INDEX CONCURRENTLY), or make every ' +
    'statement safe to repeat (IF NOT EXISTS / IF EXISTS).',
  check(stmt, ctx) {
    if (ctx.transactional || stmt.tag === 'VariableSetStmt' || stmt.enclosing !== undefined) return [];
    // A DO block is one statement to the server, however many it runs inside.
    const counted = perFile(ctx.statements, 'non-set-statements', () => ctx.statements.filter((s) => s.tag !== 'VariableSetStmt' && s.enclosing === undefined));
    if (counted[1] !== stmt) return [];
    return [{ message: `this no-transaction migration has ${counted.length} statements; if one fails, those before it stay applied, and one that was interrupted just after it committed runs again` }];
  },
};
