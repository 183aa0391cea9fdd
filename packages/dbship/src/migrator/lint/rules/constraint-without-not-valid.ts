import type { Constraint } from 'libpg-query';
import { columnConstraints, ident, tableRef } from '../ast.js';
import type { LintRule, RuleHit } from '../types.js';
import { addedColumns, addedConstraints, alterTable, onTable } from './alter.js';

function describe(con: Constraint): string {
  const kind = con.contype === 'CONSTR_FOREIGN' ? 'FOREIGN KEY' : 'CHECK';
  return con.conname ? `${kind} constraint ${ident(con.conname)}` : `${kind} constraint`;
}

function referenced(con: Constraint): string {
  const target = tableRef(con.pktable);
  return target ? ` (and locks ${target.display} against writes)` : '';
}

/** FOREIGN KEY / CHECK added to an existing table without NOT VALID (or inline on ADD COLUMN). */
export const rule: LintRule = {
  id: 'constraint-without-not-valid',
  severity: 'error',
  summary: 'FOREIGN KEY or CHECK constraint added to an existing table without NOT VALID',
  why:
    'Adding the constraint checks every existing row while holding the lock: ACCESS EXCLUSIVE for CHECK (no reads ' +
    'or writes), SHARE ROW EXCLUSIVE on both tables for FOREIGN KEY (no writes). On a large table the running pods ' +
    'stall for the whole scan.',
  fix:
    'Add it with NOT VALID (checked for new rows only, the lock is brief), then run ALTER TABLE ... VALIDATE ' +
    'CONSTRAINT in a later migration: validation takes only SHARE UPDATE EXCLUSIVE, which lets reads and writes ' +
    'continue. A constraint written inline on ADD COLUMN cannot be NOT VALID: add the column first, then the ' +
    'constraint with NOT VALID.',
  check(stmt, ctx) {
    const alter = alterTable(stmt);
    if (!alter || ctx.isEmptyTable(alter.table)) return [];
    const hits: RuleHit[] = [];
    for (const con of addedConstraints(alter.cmds)) {
      if ((con.contype === 'CONSTR_FOREIGN' || con.contype === 'CONSTR_CHECK') && !con.skip_validation) {
        hits.push({ message: `${describe(con)} on ${onTable(alter.table, ctx)} is validated while locked${referenced(con)}; add it NOT VALID`, location: con.location });
      }
    }
    for (const col of addedColumns(alter.cmds)) {
      for (const con of columnConstraints(col)) {
        if (con.contype !== 'CONSTR_FOREIGN' && con.contype !== 'CONSTR_CHECK') continue;
        hits.push({ message: `${describe(con)} inline on new column ${ident(col.colname ?? '?')} of ${onTable(alter.table, ctx)} is validated while locked${referenced(con)}`, location: con.location });
      }
    }
    return hits;
  },
};
