import { as, qualifiedTable } from '../ast.js';
import type { LintRule, RuleHit } from '../types.js';
import { EXPAND_CONTRACT, ROLLING_UPDATE } from './expand-contract.js';

/** DROP TABLE of a table that exists before the migration. */
export const rule: LintRule = {
  id: 'drop-table',
  severity: 'error',
  summary: 'DROP TABLE of an existing table',
  why: `${ROLLING_UPDATE} Their queries on the table fail with "relation does not exist" the moment the drop commits, and its data is gone for a rollback.`,
  fix: `${EXPAND_CONTRACT} Down files may drop a table their up migration created.`,
  check(stmt, ctx) {
    const drop = as(stmt.node, 'DropStmt');
    if (drop?.removeType !== 'OBJECT_TABLE') return [];
    const hits: RuleHit[] = [];
    for (const obj of drop.objects ?? []) {
      const table = qualifiedTable(as(obj, 'List')?.items);
      if (!table || ctx.isNewTable(table) || ctx.isRevertedTable(table)) continue;
      hits.push({ message: `dropping existing table ${table.display} breaks pods of the previous release that still use it` });
    }
    return hits;
  },
};
