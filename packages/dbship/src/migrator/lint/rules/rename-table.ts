import { as, tableRef } from '../ast.js';
import type { LintRule } from '../types.js';
import { EXPAND_CONTRACT, ROLLING_UPDATE } from './expand-contract.js';

/** ALTER TABLE ... RENAME TO / SET SCHEMA on an existing table. */
export const rule: LintRule = {
  id: 'rename-table',
  severity: 'error',
  summary: 'RENAME TO or SET SCHEMA on an existing table',
  why: `${ROLLING_UPDATE} They still query the old name and fail with "relation does not exist" as soon as the rename commits; the new pods fail the same way before it. There is no order of deploy in which both work.`,
  fix: `${EXPAND_CONTRACT} For a table rename: create the new table (or rename and leave a view with the old name that the old pods can use, if it stays updatable), move the code over, then drop the old name in a later release.`,
  check(stmt, ctx) {
    const rename = as(stmt.node, 'RenameStmt');
    const renamed = tableRef(rename?.relation);
    if (rename?.renameType === 'OBJECT_TABLE' && renamed && !ctx.isNewTable(renamed)) {
      return [{ message: `renaming existing table ${renamed.display} to ${rename.newname ?? '?'} breaks pods of the previous release` }];
    }
    const move = as(stmt.node, 'AlterObjectSchemaStmt');
    const moved = tableRef(move?.relation);
    if (move?.objectType === 'OBJECT_TABLE' && moved && !ctx.isNewTable(moved)) {
      return [{ message: `moving existing table ${moved.display} to schema ${move.newschema ?? '?'} breaks pods of the previous release` }];
    }
    return [];
  },
};
