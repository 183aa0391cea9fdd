import { as, tableRef } from '../ast.js';
import type { LintRule } from '../types.js';

/** REFRESH MATERIALIZED VIEW without CONCURRENTLY on a view that already exists. */
export const rule: LintRule = {
  id: 'refresh-materialized-view-without-concurrently',
  severity: 'error',
  summary: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY',
  why:
    'A plain refresh holds an ACCESS EXCLUSIVE lock on the materialized view while it runs the whole query again: ' +
    'every read of the view by the running pods waits until the refresh commits.',
  fix:
    'Use REFRESH MATERIALIZED VIEW CONCURRENTLY: reads continue while it runs. It needs a UNIQUE index on the view ' +
    '(on plain columns, no WHERE) and a view that was populated before. A view created in the same migration may be ' +
    'refreshed plainly (not reported).',
  check(stmt, ctx) {
    const refresh = as(stmt.node, 'RefreshMatViewStmt');
    const view = tableRef(refresh?.relation);
    if (!refresh || !view || refresh.concurrent || refresh.skipData || ctx.isNewTable(view)) return [];
    return [{ message: `REFRESH MATERIALIZED VIEW ${view.display} blocks every read of the view until it commits; add CONCURRENTLY`, location: view.location }];
  },
};
