import type { Node } from 'libpg-query';
import { as } from '../ast.js';
import type { LintContext, LintRule, LintStatement } from '../types.js';

/**
 * The statement PostgreSQL refuses inside a transaction block ("cannot run inside a transaction
 * block", SQLSTATE 25001), described for the message; undefined for any other statement.
 */
export function needsNoTransaction(node: Node): string | undefined {
  if (as(node, 'IndexStmt')?.concurrent) return 'CREATE INDEX CONCURRENTLY';
  const drop = as(node, 'DropStmt');
  if (drop?.concurrent) return 'DROP INDEX CONCURRENTLY';
  const reindex = as(node, 'ReindexStmt');
  if (reindex?.params?.some((p) => as(p, 'DefElem')?.defname === 'concurrently')) return 'REINDEX CONCURRENTLY';
  const alter = as(node, 'AlterTableStmt');
  const detach = alter?.cmds?.some((c) => as(as(c, 'AlterTableCmd')?.def, 'PartitionCmd')?.concurrent);
  if (detach) return 'DETACH PARTITION CONCURRENTLY';
  const vacuum = as(node, 'VacuumStmt');
  if (vacuum?.is_vacuumcmd) return 'VACUUM';
  if (as(node, 'CreatedbStmt')) return 'CREATE DATABASE';
  if (as(node, 'DropdbStmt')) return 'DROP DATABASE';
  if (as(node, 'AlterSystemStmt')) return 'ALTER SYSTEM';
  return undefined;
}

/**
 * A statement after a top-level COMMIT / ROLLBACK (with no BEGIN since) runs outside the
 * migration's transaction: files written for drizzle-orm's migrator end its batch transaction
 * this way before a CREATE INDEX CONCURRENTLY. transaction-control reports the COMMIT itself;
 * reporting every statement after it too would only repeat that finding.
 */
function afterCommit(stmt: LintStatement, ctx: LintContext): boolean {
  for (let i = stmt.index - 1; i >= 0; i--) {
    const tx = as(ctx.statements[i]!.node, 'TransactionStmt');
    if (!tx || ctx.statements[i]!.enclosing !== undefined) continue;
    if (tx.kind === 'TRANS_STMT_COMMIT' || tx.kind === 'TRANS_STMT_ROLLBACK') return true;
    if (tx.kind === 'TRANS_STMT_BEGIN' || tx.kind === 'TRANS_STMT_START') return false;
  }
  return false;
}

/** CONCURRENTLY (and the few other statements PostgreSQL refuses in a transaction) in a transactional migration. */
export const rule: LintRule = {
  id: 'concurrently-in-transaction',
  severity: 'error',
  summary: 'CONCURRENTLY (or another statement that cannot run in a transaction block) in a transactional migration',
  why:
    'dbship runs every migration in one transaction unless its first line is `-- dbship:no-transaction`. ' +
    'PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY, ' +
    'VACUUM, CREATE/DROP DATABASE and ALTER SYSTEM inside a transaction block ("cannot run inside a transaction ' +
    'block"), so the migration fails on deploy every time.',
  fix:
    'Move the statement to a migration of its own whose first line is `-- dbship:no-transaction` (one statement ' +
    'per such file, see no-transaction-multiple-statements).',
  check(stmt, ctx) {
    const what = needsNoTransaction(stmt.node);
    if (what && stmt.enclosing !== undefined) {
      return [{
        message: `${what} cannot run inside a DO block`,
        why: 'A DO block runs as a function, always inside a transaction, so PostgreSQL refuses the statement whatever the migration header says.',
        fix: 'Write the statement outside the DO block, in a migration of its own whose first line is `-- dbship:no-transaction`.',
      }];
    }
    if (!ctx.transactional || !what || afterCommit(stmt, ctx)) return [];
    return [{ message: `${what} cannot run inside the transaction dbship wraps this migration in` }];
  },
};
