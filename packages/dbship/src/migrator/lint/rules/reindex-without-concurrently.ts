import { as, tableRef } from '../ast.js';
import type { LintRule } from '../types.js';

/** REINDEX without CONCURRENTLY on an existing table or index. */
export const rule: LintRule = {
  id: 'reindex-without-concurrently',
  severity: 'error',
  summary: 'REINDEX without CONCURRENTLY',
  why:
    "A plain REINDEX locks out writes to the index's table (SHARE lock) and blocks every query that would use the " +
    'index (ACCESS EXCLUSIVE on the index) for the whole rebuild.',
  fix:
    'Use REINDEX ... CONCURRENTLY (PostgreSQL 12+) in a migration of its own whose first line is ' +
    '`-- dbship:no-transaction`; better still, run it as maintenance outside a deploy.',
  check(stmt, ctx) {
    const reindex = as(stmt.node, 'ReindexStmt');
    if (!reindex || reindex.params?.some((p) => as(p, 'DefElem')?.defname === 'concurrently')) return [];
    const relation = tableRef(reindex.relation);
    if (reindex.kind === 'REINDEX_OBJECT_TABLE' && relation) {
      return ctx.isNewTable(relation) ? [] : [{ message: `REINDEX TABLE ${relation.display} without CONCURRENTLY blocks writes during the rebuild` }];
    }
    if (reindex.kind === 'REINDEX_OBJECT_INDEX' && relation) {
      const owner = ctx.indexTable(relation.schema, relation.name);
      if (owner?.isNew) return [];
      return [{ message: `REINDEX INDEX ${relation.display} without CONCURRENTLY blocks writes to its table and reads using the index` }];
    }
    const scope = reindex.kind?.replace('REINDEX_OBJECT_', '') ?? 'DATABASE';
    const name = reindex.name ? ` ${reindex.name}` : '';
    return [{ message: `REINDEX ${scope}${name} without CONCURRENTLY rebuilds every index in it while blocking writes` }];
  },
};
