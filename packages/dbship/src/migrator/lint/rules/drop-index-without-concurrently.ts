import { as, qualifiedName } from '../ast.js';
import type { LintRule, RuleHit } from '../types.js';

/** DROP INDEX without CONCURRENTLY, unless the index was created earlier in the same file. */
export const rule: LintRule = {
  id: 'drop-index-without-concurrently',
  severity: 'warning',
  summary: 'DROP INDEX without CONCURRENTLY',
  why:
    "DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself is quick, but the lock request " +
    'waits behind every running query on the table and everything queued behind it waits too; dbship bounds that ' +
    'wait with lock_timeout and retries, which is why this is a warning and not an error.',
  fix:
    'Use DROP INDEX CONCURRENTLY in a migration of its own whose first line is `-- dbship:no-transaction`; it waits ' +
    'for running queries without blocking new ones.',
  check(stmt, ctx) {
    const drop = as(stmt.node, 'DropStmt');
    if (drop?.removeType !== 'OBJECT_INDEX' || drop.concurrent) return [];
    const hits: RuleHit[] = [];
    for (const obj of drop.objects ?? []) {
      const name = qualifiedName(as(obj, 'List')?.items);
      if (!name || ctx.indexTable(name.schema, name.name)?.isNew) continue;
      hits.push({ message: `DROP INDEX ${name.display} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table` });
    }
    return hits;
  },
};
