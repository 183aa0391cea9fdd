import { ident } from '../ast.js';
import type { LintRule, RuleHit } from '../types.js';
import { volatileDefault } from '../volatility.js';
import { addedColumns, alterTable, onTable } from './alter.js';

/** ADD COLUMN whose default is computed per row (volatile function, serial, identity). */
export const rule: LintRule = {
  id: 'volatile-default',
  severity: 'error',
  summary: 'ADD COLUMN with a volatile DEFAULT (random(), gen_random_uuid(), clock_timestamp(), nextval, serial, identity) on an existing table',
  why:
    'Since PostgreSQL 11 a non-volatile default (a constant, now(), CURRENT_TIMESTAMP) is stored once in the ' +
    'catalog and ADD COLUMN is instant. A volatile default must be computed for every existing row, so PostgreSQL ' +
    'rewrites the whole table under an ACCESS EXCLUSIVE lock: no reads or writes until it finishes. serial and ' +
    'identity columns draw from a sequence (nextval), which is volatile.',
  fix:
    'Add the column without the default (or with a constant one), then SET DEFAULT for new rows (catalog only), ' +
    'backfill existing rows in batches in a separate migration, and add NOT NULL with the CHECK ... NOT VALID pattern.',
  check(stmt, ctx) {
    const alter = alterTable(stmt);
    if (!alter || ctx.isEmptyTable(alter.table)) return [];
    const hits: RuleHit[] = [];
    for (const col of addedColumns(alter.cmds)) {
      const found = volatileDefault(col);
      if (!found) continue;
      const what = found.certain ? `volatile ${found.what}` : `${found.what}, which is not known to be stable or immutable,`;
      hits.push({ message: `new column ${ident(col.colname ?? '?')} of ${onTable(alter.table, ctx)} defaults to ${what} so the table is rewritten`, location: found.location ?? col.location });
    }
    return hits;
  },
};
