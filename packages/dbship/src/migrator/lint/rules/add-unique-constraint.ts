import type { Constraint } from 'libpg-query';
import { columnConstraints, ident } from '../ast.js';
import type { LintRule, RuleHit } from '../types.js';
import { addedColumns, addedConstraints, alterTable, onTable } from './alter.js';

const KINDS: Record<string, string> = { CONSTR_UNIQUE: 'UNIQUE', CONSTR_PRIMARY: 'PRIMARY KEY', CONSTR_EXCLUSION: 'EXCLUDE' };

function label(con: Constraint): string {
  return `${KINDS[con.contype ?? ''] ?? 'index-backed'} constraint${con.conname ? ` ${ident(con.conname)}` : ''}`;
}

/** UNIQUE / PRIMARY KEY / EXCLUDE added to an existing table by building its index under the lock. */
export const rule: LintRule = {
  id: 'add-unique-constraint',
  severity: 'error',
  summary: 'UNIQUE or PRIMARY KEY constraint added directly to an existing table',
  why:
    'ADD CONSTRAINT ... UNIQUE / PRIMARY KEY builds its index while holding an ACCESS EXCLUSIVE lock: no reads or ' +
    'writes of the table until the whole index is built.',
  fix:
    'In a `-- dbship:no-transaction` migration: CREATE UNIQUE INDEX CONCURRENTLY t_c_key ON t (c); then, in the next ' +
    'migration: ALTER TABLE t ADD CONSTRAINT t_c_key UNIQUE USING INDEX t_c_key (or PRIMARY KEY USING INDEX, once the ' +
    'columns are NOT NULL), which only attaches the ready index. EXCLUDE constraints have no concurrent route: plan ' +
    'a maintenance window.',
  check(stmt, ctx) {
    const alter = alterTable(stmt);
    if (!alter || ctx.isEmptyTable(alter.table)) return [];
    const hits: RuleHit[] = [];
    for (const con of addedConstraints(alter.cmds)) {
      if (!KINDS[con.contype ?? ''] || con.indexname) continue;
      hits.push({ message: `${label(con)} on ${onTable(alter.table, ctx)} builds its index under an ACCESS EXCLUSIVE lock`, location: con.location });
    }
    for (const col of addedColumns(alter.cmds)) {
      for (const con of columnConstraints(col)) {
        if (!KINDS[con.contype ?? '']) continue;
        hits.push({ message: `${label(con)} inline on new column ${ident(col.colname ?? '?')} of ${onTable(alter.table, ctx)} builds its index under an ACCESS EXCLUSIVE lock`, location: con.location });
      }
    }
    return hits;
  },
};
