import { as, tableRef } from '../ast.js';
import type { LintRule, RuleHit } from '../types.js';
import { alterTable } from './alter.js';

/** ALTER TABLE ... DETACH PARTITION without CONCURRENTLY on an existing partitioned table. */
export const rule: LintRule = {
  id: 'detach-partition-without-concurrently',
  severity: 'error',
  summary: 'DETACH PARTITION without CONCURRENTLY',
  why:
    'A plain DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned table: every read and write of ' +
    'any partition waits, and the lock itself waits behind every running query on the table, stalling the ' +
    'queries that queue behind it.',
  fix:
    'Use ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+), which takes only SHARE UPDATE ' +
    'EXCLUSIVE on the parent, in a migration of its own whose first line is `-- dbship:no-transaction`. If it is ' +
    'interrupted, finish it with DETACH PARTITION ... FINALIZE. (Not possible while the table has a DEFAULT ' +
    'partition: plan a maintenance window then.)',
  check(stmt, ctx) {
    const alter = alterTable(stmt);
    if (!alter || ctx.isNewTable(alter.table)) return [];
    const hits: RuleHit[] = [];
    for (const cmd of alter.cmds) {
      const part = as(cmd.def, 'PartitionCmd');
      if (cmd.subtype !== 'AT_DetachPartition' || !part || part.concurrent) continue;
      const child = tableRef(part.name);
      hits.push({ message: `DETACH PARTITION ${child?.display ?? ''} locks all of ${alter.table.display} (ACCESS EXCLUSIVE); add CONCURRENTLY`, location: child?.location });
    }
    return hits;
  },
};
