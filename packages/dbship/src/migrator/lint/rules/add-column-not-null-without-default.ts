import { columnConstraints, ident, names } from '../ast.js';
import type { LintRule, RuleHit } from '../types.js';
import { addedColumns, alterTable, onTable } from './alter.js';

const SERIAL = /^(small|big)?serial[248]?$/;

/** ADD COLUMN ... NOT NULL with no DEFAULT on a table that already exists. */
export const rule: LintRule = {
  id: 'add-column-not-null-without-default',
  severity: 'error',
  summary: 'ADD COLUMN ... NOT NULL without a DEFAULT on an existing table',
  why:
    'Existing rows would get NULL in the new column, so the statement fails on any table that has rows ' +
    '(and passes on an empty development database). Even when it succeeds, pods of the previous release keep ' +
    'running during the rolling update and INSERT without the new column, which now fails with a not-null violation.',
  fix:
    'Give the column a DEFAULT (a constant or a stable expression such as now(): since PostgreSQL 11 this is a ' +
    'catalog-only change), or add it nullable, backfill it in a separate migration, and enforce NOT NULL later ' +
    'with the CHECK ... NOT VALID pattern (see set-not-null).',
  check(stmt, ctx) {
    const alter = alterTable(stmt);
    if (!alter || ctx.isEmptyTable(alter.table)) return [];
    const hits: RuleHit[] = [];
    for (const col of addedColumns(alter.cmds)) {
      const kinds = new Set(columnConstraints(col).map((c) => c.contype));
      const notNull = kinds.has('CONSTR_NOTNULL') || kinds.has('CONSTR_PRIMARY');
      const filled = kinds.has('CONSTR_DEFAULT') || kinds.has('CONSTR_IDENTITY') || kinds.has('CONSTR_GENERATED');
      const serial = SERIAL.test(names(col.typeName?.names).at(-1) ?? '');
      if (notNull && !filled && !serial) {
        hits.push({ message: `column ${ident(col.colname ?? '?')} is added NOT NULL without a DEFAULT to ${onTable(alter.table, ctx)}`, location: col.location });
      }
    }
    return hits;
  },
};
