import { as, tableRef, type TableRef } from '../ast.js';
import type { LintRule } from '../types.js';

/** TRUNCATE of an existing table. */
export const rule: LintRule = {
  id: 'truncate',
  severity: 'error',
  summary: 'TRUNCATE of an existing table',
  why:
    'TRUNCATE takes an ACCESS EXCLUSIVE lock (no reads or writes) and deletes every row for good, with no WHERE ' +
    'and no undo once committed; with CASCADE it also empties every table that references it. In a migration it ' +
    'runs against production data the author may only have seen in development.',
  fix:
    'Delete what must go with a bounded DELETE ... WHERE in a data migration of its own, or drop and recreate a ' +
    'table that is truly disposable. If emptying the table is intended, suppress with the reason.',
  check(stmt, ctx) {
    const truncate = as(stmt.node, 'TruncateStmt');
    if (!truncate) return [];
    const tables = (truncate.relations ?? []).map((r) => tableRef(as(r, 'RangeVar'))).filter((t): t is TableRef => t !== undefined);
    const existing = tables.filter((t) => !ctx.isNewTable(t));
    if (existing.length === 0) return [];
    const cascade = truncate.behavior === 'DROP_CASCADE' ? ' with CASCADE (and every table referencing it)' : '';
    return [{ message: `TRUNCATE empties existing table ${existing.map((t) => t.display).join(', ')}${cascade} under an ACCESS EXCLUSIVE lock` }];
  },
};
