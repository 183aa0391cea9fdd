import { as } from '../ast.js';
import type { LintRule } from '../types.js';

const WORDS: Record<string, string> = {
  TRANS_STMT_BEGIN: 'BEGIN', TRANS_STMT_START: 'START TRANSACTION', TRANS_STMT_COMMIT: 'COMMIT',
  TRANS_STMT_ROLLBACK: 'ROLLBACK', TRANS_STMT_SAVEPOINT: 'SAVEPOINT', TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT', TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED', TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

/** BEGIN / COMMIT / ROLLBACK / SAVEPOINT written in a migration file. */
export const rule: LintRule = {
  id: 'transaction-control',
  severity: 'error',
  summary: 'BEGIN, COMMIT, ROLLBACK or SAVEPOINT in a migration file',
  why:
    'dbship owns the transaction: it wraps each migration together with its tracking row in one transaction. A ' +
    'COMMIT in the file ends that transaction early, so a later failure leaves half the migration applied with ' +
    'no record of it; a BEGIN or ROLLBACK breaks the exactly-once bookkeeping the same way.',
  fix:
    'Remove the transaction statements: a migration is already atomic. For statements that must run outside a ' +
    'transaction, use a separate migration whose first line is `-- dbship:no-transaction`.',
  check(stmt) {
    const tx = as(stmt.node, 'TransactionStmt');
    if (!tx) return [];
    return [{ message: `${WORDS[tx.kind ?? ''] ?? 'transaction control'} interferes with the transaction dbship manages for this migration` }];
  },
};
