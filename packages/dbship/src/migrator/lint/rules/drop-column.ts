import { ident } from '../ast.js';
import type { LintRule, RuleHit } from '../types.js';
import { alterTable, onTable } from './alter.js';
import { EXPAND_CONTRACT, ROLLING_UPDATE } from './expand-contract.js';

/** ALTER TABLE ... DROP COLUMN on an existing table. */
export const rule: LintRule = {
  id: 'drop-column',
  severity: 'error',
  summary: 'DROP COLUMN on an existing table',
  why: `${ROLLING_UPDATE} Their queries still name the column (SELECT lists, INSERTs, ORMs selecting every model field) and fail with "column does not exist" the moment the drop commits; the data is gone for a rollback too.`,
  fix: `${EXPAND_CONTRACT} Down files may drop a column their up migration added (a rollback must run after the pods that use it are gone).`,
  check(stmt, ctx) {
    const alter = alterTable(stmt);
    if (!alter || ctx.isNewTable(alter.table)) return [];
    const hits: RuleHit[] = [];
    for (const cmd of alter.cmds) {
      if (cmd.subtype !== 'AT_DropColumn' || !cmd.name || ctx.isRevertedColumn(alter.table, cmd.name)) continue;
      hits.push({ message: `dropping column ${ident(cmd.name)} of ${onTable(alter.table)} breaks pods of the previous release that still use it` });
    }
    return hits;
  },
};
