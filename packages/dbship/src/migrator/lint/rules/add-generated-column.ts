import { columnConstraints, ident } from '../ast.js';
import type { LintRule, RuleHit } from '../types.js';
import { addedColumns, alterTable, onTable } from './alter.js';

/** ADD COLUMN ... GENERATED ALWAYS AS (...) STORED on an existing table. */
export const rule: LintRule = {
  id: 'add-generated-column',
  severity: 'error',
  summary: 'ADD COLUMN ... GENERATED ALWAYS AS (...) STORED on an existing table',
  why:
    'A stored generated column is computed and written for every existing row: PostgreSQL rewrites the whole ' +
    'table under an ACCESS EXCLUSIVE lock, blocking all reads and writes until it finishes.',
  fix:
    'Add a plain nullable column, fill it for new rows with a trigger (or from the application), backfill existing ' +
    'rows in batches in a separate migration; or compute the value in queries or a view instead.',
  check(stmt, ctx) {
    const alter = alterTable(stmt);
    if (!alter || ctx.isEmptyTable(alter.table)) return [];
    const hits: RuleHit[] = [];
    for (const col of addedColumns(alter.cmds)) {
      const generated = columnConstraints(col).find((c) => c.contype === 'CONSTR_GENERATED');
      if (!generated) continue;
      hits.push({ message: `stored generated column ${ident(col.colname ?? '?')} rewrites ${onTable(alter.table, ctx)}`, location: generated.location ?? col.location });
    }
    return hits;
  },
};
