import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { DbshipError } from '../../errors.js';
import { sqlState, SqlState } from '../../db/sqlstate.js';
import type { EngineEvent } from './events.js';
import { interrupted } from './lock.js';
import { dropOwnInvalidIndexes } from './own-invalid-index.js';
import { parseError, statementError, type MigrationTarget } from '../sql/statement-error.js';
import { splitStatements, type SqlStatement } from '../sql/split.js';

export interface ApplySettings {
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly lockRetries: number;
  readonly signal?: AbortSignal | undefined;
  /** Told before each retry after a lock timeout. */
  readonly onRetry?: ((info: { attempt: number; delayMs: number; statement: string }) => void) | undefined;
}

/** Records the outcome inside the migration's transaction (tracking row, audit row). */
export type Recorder = (client: pg.ClientBase, durationMs: number) => Promise<void>;

/**
 * Runs one migration file on the pinned client and records it with `record`:
 * - transactional (default): every statement and the tracking rows in ONE transaction, so the
 *   migration is applied entirely or not at all; a lock timeout rolls back and retries the whole
 *   migration with backoff, up to `lockRetries` times.
 * - `-- dbship:no-transaction`: statements one by one outside a transaction (CREATE INDEX
 *   CONCURRENTLY); a lock-timed-out statement is retried alone, and an INVALID index a failed
 *   statement left behind is dropped before the retry or the error.
 * Every statement runs under `lock_timeout` and `statement_timeout`. Returns the duration (ms).
 */
export async function applyMigration(client: pg.ClientBase, target: MigrationTarget, settings: ApplySettings, record: Recorder): Promise<number> {
  let statements: SqlStatement[];
  try {
    statements = await splitStatements(target.sql);
  } catch (err) {
    throw parseError(target, err);
  }
  return target.transactional
    ? applyInTransaction(client, target, statements, settings, record)
    : applyWithoutTransaction(client, target, statements, settings, record);
}

async function applyInTransaction(client: pg.ClientBase, target: MigrationTarget, statements: SqlStatement[], settings: ApplySettings, record: Recorder): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    let current: SqlStatement | undefined;
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = ${settings.lockTimeoutMs}; SET LOCAL statement_timeout = ${settings.statementTimeoutMs}`);
      for (const stmt of statements) {
        current = stmt;
        checkAbort(settings.signal);
        await client.query(stmt.text);
      }
      current = undefined;
      const durationMs = Math.round(performance.now() - started);
      await record(client, durationMs);
      await client.query('COMMIT');
      return durationMs;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      if (err instanceof DbshipError) throw err;
      if (settings.signal?.aborted) throw interrupted(settings.signal);
      if (!current) throw err;
      if (sqlState(err) === SqlState.LockNotAvailable && attempt <= settings.lockRetries) {
        await backoff(attempt, current, settings);
        continue;
      }
      throw statementError(target, current, err, { attempts: attempt, lockTimeoutMs: settings.lockTimeoutMs, appliedBefore: 0 });
    }
  }
}

async function applyWithoutTransaction(client: pg.ClientBase, target: MigrationTarget, statements: SqlStatement[], settings: ApplySettings, record: Recorder): Promise<number> {
  const started = performance.now();
  await client.query(`SET lock_timeout = ${settings.lockTimeoutMs}; SET statement_timeout = ${settings.statementTimeoutMs}`);
  try {
    for (const [i, stmt] of statements.entries()) {
      for (let attempt = 1; ; attempt++) {
        checkAbort(settings.signal);
        const before = await invalidIndexes(client);
        try {
          await client.query(stmt.text);
          break;
        } catch (err) {
          await dropNewInvalidIndexes(client, before);
          if (settings.signal?.aborted) throw interruptedOutsideTransaction(target, i, statements.length, settings.signal);
          if (sqlState(err) === SqlState.LockNotAvailable && attempt <= settings.lockRetries) {
            await backoff(attempt, stmt, settings);
            continue;
          }
          throw statementError(target, stmt, err, { attempts: attempt, lockTimeoutMs: settings.lockTimeoutMs, appliedBefore: i });
        }
      }
    }
    const durationMs = Math.round(performance.now() - started);
    await client.query('BEGIN');
    try {
      await record(client, durationMs);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
    return durationMs;
  } finally {
    await client.query('RESET lock_timeout; RESET statement_timeout').catch(() => {});
  }
}

/** Indexes PostgreSQL marks INVALID (left by a failed CREATE INDEX CONCURRENTLY), schema-qualified. */
export async function invalidIndexes(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** Drops the INVALID indexes that appeared since `before`: the failed statement's own leftovers. */
async function dropNewInvalidIndexes(client: pg.ClientBase, before: string[]): Promise<void> {
  let now: string[];
  try {
    now = await invalidIndexes(client);
  } catch {
    return;
  }
  for (const name of now.filter((n) => !before.includes(n))) {
    await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`).catch(() => {});
  }
}

/**
 * Refuses to run a no-transaction migration while an INVALID index exists, after dropping the
 * ones the migration's own statements left when a run of it was interrupted (it builds them again).
 */
export async function assertNoInvalidIndexes(client: pg.ClientBase, target: MigrationTarget, onEvent?: (e: EngineEvent) => void): Promise<void> {
  await dropOwnInvalidIndexes(client, target, onEvent);
  const invalid = await invalidIndexes(client);
  if (invalid.length === 0) return;
  throw new DbshipError('INVALID_INDEX', `the database has INVALID index${invalid.length > 1 ? 'es' : ''} ${invalid.join(', ')}; not running ${target.name}`, {
    why: 'a CREATE INDEX CONCURRENTLY failed or was interrupted earlier; the index exists but is not used, and IF NOT EXISTS would silently keep it broken.',
    fix: `drop it and run again: ${invalid.map((n) => `DROP INDEX CONCURRENTLY IF EXISTS ${n};`).join(' ')}`,
  });
}

/**
 * Stopped in the middle of a no-transaction migration: the statements before the one in progress
 * stay applied, and the one in progress may leave an INVALID index (the connection closed before
 * it could be dropped). Says so, and what the next run does about it.
 */
function interruptedOutsideTransaction(target: MigrationTarget, done: number, total: number, signal: AbortSignal): DbshipError {
  const base = interrupted(signal);
  return new DbshipError('INTERRUPTED', `${base.message} during ${target.name}, which runs outside a transaction`, {
    why: `${done} of its ${total} statement(s) had completed and stay applied; the statement in progress was cancelled, and a CREATE INDEX CONCURRENTLY leaves its index behind, INVALID.`,
    fix: `run again: ${target.name} is still pending; the next run drops the INVALID index its own statement left and builds it again.`,
  });
}

async function backoff(attempt: number, stmt: SqlStatement, settings: ApplySettings): Promise<void> {
  const base = Math.min(500 * 2 ** (attempt - 1), 15_000);
  const delayMs = Math.round(base * (0.75 + Math.random() * 0.5));
  settings.onRetry?.({ attempt, delayMs, statement: stmt.text.split('\n')[0]!.slice(0, 120) });
  try {
    await sleep(delayMs, undefined, { signal: settings.signal });
  } catch {
    throw interrupted(settings.signal!);
  }
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interrupted(signal);
}
