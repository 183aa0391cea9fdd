import { as, ident } from '../ast.js';
import { isSafeTypeChange, typeFromTypeName } from '../column-types.js';
import type { LintRule, RuleHit } from '../types.js';
import { alterTable, onTable } from './alter.js';

/** ALTER COLUMN ... TYPE that is not proven to be a catalog-only change. */
export const rule: LintRule = {
  id: 'column-type-rewrite',
  severity: 'error',
  summary: 'ALTER COLUMN ... TYPE that may rewrite the table',
  why:
    'Changing a column type takes an ACCESS EXCLUSIVE lock and, unless the old and new types are binary-compatible ' +
    'without a check, rewrites the whole table and rebuilds its indexes: no reads or writes until it finishes. Pods ' +
    'of the previous release may also fail on values of the new type.',
  fix:
    'Expand/contract: add a new column of the new type, write both from the application, backfill in batches, ' +
    'switch reads, then drop the old column in a later release. Proven safe (not reported): varchar(n) to ' +
    'varchar(m >= n), unbounded varchar or text; text to unbounded varchar; numeric(p,s) to numeric(q >= p, s) or ' +
    'unconstrained numeric; the same type. The old type is taken from the committed snapshot in migrations/meta/.',
  check(stmt, ctx) {
    const alter = alterTable(stmt);
    if (!alter || ctx.isEmptyTable(alter.table)) return [];
    const hits: RuleHit[] = [];
    for (const cmd of alter.cmds) {
      const def = as(cmd.def, 'ColumnDef');
      if (cmd.subtype !== 'AT_AlterColumnType' || !cmd.name || !def?.typeName) continue;
      const column = `column ${ident(cmd.name)} of ${onTable(alter.table, ctx)}`;
      const to = typeFromTypeName(def.typeName);
      const from = ctx.columnTypeBefore(alter.table, cmd.name);
      let message: string | undefined;
      if (def.raw_default) message = `${column} changes type to ${to.display} with USING, which converts (rewrites) every row`;
      else if (def.collClause) message = `${column} changes type to ${to.display} with a new COLLATE, which rebuilds its indexes`;
      else if (!from) message = `${column} changes type to ${to.display}; its current type is unknown (no snapshot before this migration), so a rewrite cannot be ruled out`;
      else if (!isSafeTypeChange(from, to)) message = `${column} changes type from ${from.display} to ${to.display}, which rewrites the table`;
      if (message) hits.push({ message, location: def.location });
    }
    return hits;
  },
};
