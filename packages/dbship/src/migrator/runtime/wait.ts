import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { describeDb, type DbConnection } from '../../config/db-connection.js';
import { DbshipError } from '../../errors.js';
import { clientConfig } from '../../db/pool.js';
import type { EngineEvent } from './events.js';
import { interrupted } from './lock.js';
import { connectionReason } from '../../db/sqlstate.js';

export interface WaitOptions {
  /** Give up after this long (ms). */
  readonly deadlineMs: number;
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((e: EngineEvent) => void) | undefined;
}

/**
 * Waits until the database accepts a connection and answers a query, retrying with backoff
 * (250 ms doubling to 5 s) and never past the deadline: each attempt's own connection timeout
 * is cut to the time left. Throws `DB_UNREACHABLE` (exit 3) with the last reason, no secrets.
 * Returns how long it waited (ms).
 */
export async function waitForDatabase(db: DbConnection, options: WaitOptions): Promise<number> {
  const started = Date.now();
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    const left = options.deadlineMs - (Date.now() - started);
    const reason = await tryOnce(db, Math.max(100, Math.min(left, 5_000)));
    if (reason === null) return Date.now() - started;
    const waitedMs = Date.now() - started;
    options.onEvent?.({ type: 'wait-db', attempt, reason, waitedMs });
    const remaining = options.deadlineMs - waitedMs;
    if (remaining <= 0) {
      throw new DbshipError('DB_UNREACHABLE', `${describeDb(db)} did not accept connections within ${Math.round(options.deadlineMs / 1000)} s (${attempt} attempts): ${reason}`, {
        why: 'the database is down, still starting, or the host, port, name or credentials are wrong.',
        fix: 'check the database and the DB_* / DATABASE_URL settings; raise DB_WAIT (or --wait) if it only needs longer to start.',
      });
    }
    try {
      await sleep(Math.min(delay, remaining), undefined, { signal: options.signal });
    } catch {
      throw interrupted(options.signal!);
    }
    delay = Math.min(delay * 2, 5_000);
  }
}

/** One connection attempt; null on success, else the reason. */
async function tryOnce(db: DbConnection, timeoutMs: number): Promise<string | null> {
  const client = new pg.Client({ ...clientConfig(db, 'dbship:wait'), connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return connectionReason(err);
  } finally {
    await client.end().catch(() => {});
  }
}
