import type pg from 'pg';

/** What a transaction needs of a connection: one pinned client, never a pool. */
export type TransactionClient = Pick<pg.ClientBase, 'query'>;

/**
 * Runs `fn` in one transaction on the pinned `client`: COMMIT when it resolves, ROLLBACK when it
 * throws (a failed ROLLBACK on a lost connection is ignored: the server rolls back by itself).
 * A pool would hand each statement its own connection, so the transaction would not hold.
 */
export async function withTransaction<T>(client: TransactionClient, fn: (client: TransactionClient) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
