import { as } from '../ast.js';
import type { LintRule } from '../types.js';
import { TRANSACTION_WORDS } from '../../sql/runnable.js';

/** BEGIN / COMMIT / ROLLBACK / SAVEPOINT written in a migration file. */
export const rule: LintRule = {
  id: 'transaction-control',
  severity: 'error',
  summary: 'BEGIN, COMMIT, ROLLBACK or SAVEPOINT in a migration file',
  why:
    'dbship owns the transaction: it wraps each migration together with its tracking row in one transaction. A ' +
    'COMMIT in the file ends that transaction early, so a later failure leaves half the migration applied with ' +
    'no record of it (dbship runs such a file as drizzle-orm does, for existing histories); ROLLBACK, SAVEPOINT ' +
    'and PREPARE TRANSACTION are refused at run time.',
  fix:
    'Remove the transaction statements: a migration is already atomic. For statements that must run outside a ' +
    'transaction, use a separate migration whose first line is `-- dbship:no-transaction`.',
  check(stmt) {
    const tx = as(stmt.node, 'TransactionStmt');
    if (!tx) return [];
    return [{ message: `${TRANSACTION_WORDS[tx.kind ?? ''] ?? 'transaction control'} interferes with the transaction dbship manages for this migration` }];
  },
};
