import { as, ident, tableRef } from '../ast.js';
import type { LintRule } from '../types.js';
import { onTable } from './alter.js';

/** CREATE INDEX without CONCURRENTLY on a table that already exists. */
export const rule: LintRule = {
  id: 'create-index-without-concurrently',
  severity: 'error',
  summary: 'CREATE INDEX without CONCURRENTLY on an existing table',
  why:
    'A plain CREATE INDEX takes a SHARE lock on the table for the whole build: reads continue, but every INSERT, ' +
    'UPDATE and DELETE waits until the index is built, which on a large table means minutes of failing writes ' +
    'for the running pods.',
  fix:
    'Put CREATE INDEX CONCURRENTLY in a migration of its own whose first line is `-- dbship:no-transaction`. It ' +
    'builds without blocking writes; if it fails, dbship drops the INVALID index it leaves before retrying. ' +
    '(On a partitioned table: CREATE INDEX ON ONLY the parent, CREATE INDEX CONCURRENTLY on each partition, then ' +
    'ALTER INDEX ... ATTACH PARTITION.)',
  check(stmt, ctx) {
    const index = as(stmt.node, 'IndexStmt');
    const table = tableRef(index?.relation);
    if (!index || !table || index.concurrent || ctx.isEmptyTable(table)) return [];
    const name = index.idxname ? `index ${ident(index.idxname)}` : 'an index';
    return [{ message: `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX builds ${name} on ${onTable(table, ctx)} without CONCURRENTLY, blocking writes` }];
  },
};
