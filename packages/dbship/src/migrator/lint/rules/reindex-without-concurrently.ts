import { as, tableRef, type TableRef } from '../ast.js';
import type { LintRule } from '../types.js';

const SYSTEM_WHY =
  'REINDEX SYSTEM (or of a pg_catalog table or index) locks the system catalogs that every query and every new ' +
  'connection reads, and PostgreSQL offers no CONCURRENTLY form for them.';
const SYSTEM_FIX =
  'Do not rebuild system catalogs in a migration: it is maintenance for a quiet moment (or a maintenance window), ' +
  'run by hand by a database owner, and a catalog index needs it only after corruption.';

/**
 * A table or index of the system catalogs, which REINDEX cannot rebuild CONCURRENTLY: in schema
 * pg_catalog, or an unqualified `pg_` name (pg_catalog comes first on every search_path).
 */
function isCatalog(relation: TableRef): boolean {
  return relation.schema === 'pg_catalog' || (relation.display === relation.name && relation.name.startsWith('pg_'));
}

function describe(kind: string | undefined, name: string | undefined, relation: string | undefined): string {
  if (relation) return `REINDEX ${kind === 'REINDEX_OBJECT_INDEX' ? 'INDEX' : 'TABLE'} ${relation}`;
  return `REINDEX SYSTEM${name ? ` ${name}` : ''}`;
}

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
    if (reindex.kind === 'REINDEX_OBJECT_SYSTEM' || (relation && isCatalog(relation))) {
      return [{ message: `${describe(reindex.kind, reindex.name, relation?.display)} rebuilds system catalog indexes, which cannot be done CONCURRENTLY`, why: SYSTEM_WHY, fix: SYSTEM_FIX }];
    }
    if (reindex.kind === 'REINDEX_OBJECT_TABLE' && relation) {
      return ctx.isEmptyTable(relation) ? [] : [{ message: `REINDEX TABLE ${relation.display} without CONCURRENTLY blocks writes during the rebuild` }];
    }
    if (reindex.kind === 'REINDEX_OBJECT_INDEX' && relation) {
      const owner = ctx.indexTable(relation.schema, relation.name);
      if (owner?.isNew && ctx.isEmptyTable(owner.table)) return [];
      return [{ message: `REINDEX INDEX ${relation.display} without CONCURRENTLY blocks writes to its table and reads using the index` }];
    }
    const scope = reindex.kind?.replace('REINDEX_OBJECT_', '') ?? 'DATABASE';
    const name = reindex.name ? ` ${reindex.name}` : '';
    return [{ message: `REINDEX ${scope}${name} without CONCURRENTLY rebuilds every index in it while blocking writes` }];
  },
};
