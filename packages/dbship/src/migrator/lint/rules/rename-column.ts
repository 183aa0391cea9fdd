import { as, ident, tableRef } from '../ast.js';
import type { LintRule } from '../types.js';
import { EXPAND_CONTRACT, ROLLING_UPDATE } from './expand-contract.js';

/** ALTER TABLE ... RENAME COLUMN on an existing table. */
export const rule: LintRule = {
  id: 'rename-column',
  severity: 'error',
  summary: 'RENAME COLUMN on an existing table',
  why: `${ROLLING_UPDATE} They still use the old name and fail with "column does not exist" as soon as the rename commits; the new pods fail the same way if it has not run yet. There is no order of deploy in which both work.`,
  fix: `${EXPAND_CONTRACT} For a rename: add the new column, write both (or a trigger), backfill, switch reads, then drop the old column.`,
  check(stmt, ctx) {
    const rename = as(stmt.node, 'RenameStmt');
    const table = tableRef(rename?.relation);
    if (rename?.renameType !== 'OBJECT_COLUMN' || rename.relationType !== 'OBJECT_TABLE' || !table || ctx.isNewTable(table)) return [];
    return [{ message: `renaming column ${ident(rename.subname ?? '?')} of existing table ${table.display} to ${ident(rename.newname ?? '?')} breaks pods of the previous release` }];
  },
};
