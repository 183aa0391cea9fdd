import { as, tableRef, type TableRef } from '../ast.js';
import type { LintRule } from '../types.js';

/** VACUUM FULL or CLUSTER: a full rewrite of the table under ACCESS EXCLUSIVE. */
export const rule: LintRule = {
  id: 'vacuum-full-or-cluster',
  severity: 'error',
  summary: 'VACUUM FULL or CLUSTER',
  why:
    'Both rewrite the whole table (and rebuild its indexes) under an ACCESS EXCLUSIVE lock: no reads or writes ' +
    'until the copy finishes, and the disk needs room for a second copy. Without a table name they do this to ' +
    'every table in the database.',
  fix:
    'Leave maintenance to autovacuum and run it outside deploys. To reclaim space or re-order a live table, use an ' +
    'online tool (pg_repack / pg_squeeze) in a maintenance window, not a migration.',
  check(stmt, ctx) {
    const vacuum = as(stmt.node, 'VacuumStmt');
    const full = vacuum?.is_vacuumcmd && vacuum.options?.some((o) => as(o, 'DefElem')?.defname === 'full');
    const cluster = as(stmt.node, 'ClusterStmt');
    if (!full && !cluster) return [];
    const relations = cluster ? [cluster.relation] : (vacuum?.rels ?? []).map((r) => as(r, 'VacuumRelation')?.relation);
    const tables = relations.map((r) => tableRef(r)).filter((t): t is TableRef => t !== undefined);
    const what = full ? 'VACUUM FULL' : 'CLUSTER';
    if (tables.length === 0) return [{ message: `${what} without a table rewrites every table in the database under ACCESS EXCLUSIVE locks` }];
    const existing = tables.filter((t) => !ctx.isEmptyTable(t));
    if (existing.length === 0) return [];
    return [{ message: `${what} rewrites existing table ${existing.map((t) => t.display).join(', ')} under an ACCESS EXCLUSIVE lock` }];
  },
};
