import { ident } from '../ast.js';
import type { LintRule, RuleHit } from '../types.js';
import { alterTable } from './alter.js';

/** VALIDATE CONSTRAINT in the same transaction that added the constraint NOT VALID. */
export const rule: LintRule = {
  id: 'validate-in-same-transaction',
  severity: 'error',
  summary: 'VALIDATE CONSTRAINT in the same transaction that added the constraint NOT VALID',
  why:
    'Locks are held until the transaction ends. ADD CONSTRAINT ... NOT VALID took ACCESS EXCLUSIVE (CHECK) or ' +
    'SHARE ROW EXCLUSIVE on both tables (FOREIGN KEY); validating in the same transaction keeps that lock for the ' +
    'whole validation scan, so NOT VALID gained nothing.',
  fix: 'Validate in a later migration (its own transaction), where VALIDATE CONSTRAINT needs only SHARE UPDATE EXCLUSIVE.',
  check(stmt, ctx) {
    const alter = alterTable(stmt);
    if (!alter || !ctx.transactional) return [];
    const hits: RuleHit[] = [];
    for (const cmd of alter.cmds) {
      if (cmd.subtype !== 'AT_ValidateConstraint' || !cmd.name || !ctx.addedNotValidBefore(alter.table, cmd.name)) continue;
      hits.push({ message: `constraint ${ident(cmd.name)} is validated in the transaction that added it NOT VALID, keeping the ADD's lock during the scan` });
    }
    return hits;
  },
};
