import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { DbshipError } from '../../errors.js';
import { sqlState, SqlState } from '../../db/sqlstate.js';
import type { EngineEvent } from './events.js';
import { describeBlockers, type BlockerSample, type BlockerWatch } from './blockers.js';
import { interrupted } from './lock.js';
import { assertNoInvalidIndexes, dropNewInvalidIndexes, invalidIndexes } from './invalid-indexes.js';
import { offSearchPath } from './off-search-path.js';
import { commentOnlyNotice, runnableStatements, transactionUnits, type SelfManagedPlan, type TransactionUnit } from '../sql/runnable.js';
import { locate, statementError, type MigrationTarget } from '../sql/statement-error.js';
import { lineColumn, type SqlStatement } from '../sql/split.js';
import { recordUnitProgress, resumeUnits, unitHash, unitsOf, type Resume } from './unit-progress.js';

export interface ApplySettings {
  /** `lock_timeout` of one attempt (ms): how long app queries may queue behind a waiting statement. */
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
  /** `idle_in_transaction_session_timeout` inside a migration's transaction (ms, 0 = none). */
  readonly idleInTransactionTimeoutMs: number;
  /** At most this many retries after a lock timeout... */
  readonly lockRetries: number;
  /** ...and at most this long for all attempts and pauses of one migration (ms). */
  readonly lockRetryBudgetMs: number;
  readonly signal?: AbortSignal | undefined;
  /**
   * False: the one-message transaction commits without waiting for its WAL to reach the disk
   * (`synchronous_commit = off`). The caller then makes the run durable before it reports
   * success ({@link flushCommits}); a server crash before that can lose the latest commits, each
   * whole with its tracking row: those migrations are pending again, and the run has failed.
   * Default true.
   */
  readonly durableCommit?: boolean | undefined;
  /** Names the sessions a waiting statement is blocked by (none: not named). */
  readonly blockers?: BlockerWatch | undefined;
  /**
   * Told when a migration that does not run as one transaction resumes: `skipped` of its `total`
   * statements were committed by an earlier run that stopped part-way, and are not run again.
   */
  readonly onResume?: ((info: Resume) => void) | undefined;
  /** Told before each retry after a lock timeout; `blocker` names who held the lock. */
  readonly onRetry?: ((info: { attempt: number; delayMs: number; statement: string; blocker?: string | undefined }) => void) | undefined;
}

/** Records the outcome inside the migration's transaction (tracking row, audit row). */
export type Recorder = (client: pg.ClientBase, durationMs: number) => Promise<void>;

/**
 * The same record as SQL text, to travel in the migration's own message: `durationMsSql` is an SQL
 * expression of the migration's duration in milliseconds.
 */
export type RecordSql = (durationMsSql: string) => string;

/**
 * Server time from the receipt of the migration's message to the recording statement, in ms:
 * `statement_timestamp()` is when the server received the message.
 */
const MESSAGE_DURATION_MS_SQL = 'round(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::int';

/**
 * Runs one migration file on the pinned client and records it with `record`:
 * - transactional (default): every statement and the tracking rows in ONE transaction, so the
 *   migration is applied entirely or not at all; a lock timeout rolls back and retries the whole
 *   migration with backoff, up to `lockRetries` times.
 * - `-- dbship:no-transaction` (or its own COMMIT): unit by unit, each recorded as it commits, so
 *   that a stopped run resumes after them; see {@link applyInUnits}.
 * Every statement runs under `lock_timeout` and `statement_timeout`. Retries stop after
 * `lockRetries` or when the next one would pass `lockRetryBudgetMs`. Returns the duration (ms).
 */
export async function applyMigration(client: pg.ClientBase, target: MigrationTarget, settings: ApplySettings, record: Recorder, recordSql?: RecordSql): Promise<number> {
  const { statements, units, wrapped } = await unitsOf(target);
  if (units !== null) return applyInUnits(client, { ...target, transactional: false }, units, settings, record);
  // A file wrapped in its own BEGIN ... COMMIT keeps running statement by statement.
  if (target.transactional && recordSql && !wrapped) return applyInOneMessage(client, target, statements, settings, record, recordSql);
  return applyInTransaction(client, target, statements, settings, record);
}

/** How a transactional file with its own BEGIN / COMMIT runs; null when it runs as one transaction. */
async function selfManagedPlan(target: MigrationTarget): Promise<SelfManagedPlan | null> {
  if (!target.transactional || (await unitsOf(target)).units === null) return null;
  return transactionUnits(await runnableStatements(target), true);
}

/**
 * A transactional migration as ONE simple-query message: BEGIN, its timeouts, its statements, its
 * tracking and audit rows (`recordSql`) and COMMIT travel together, one round trip instead of one
 * per statement. PostgreSQL runs such a message statement by statement (each under its own
 * `statement_timeout`, from version 13) and stops at the first error, having run nothing after it;
 * the transaction is then rolled back whole. In that case the migration runs again the usual way,
 * statement by statement ({@link applyInTransaction}), which meets the same error at its
 * statement and reports its line and caret, or retries a lock timeout with backoff, as though the
 * message had not been tried: a failure costs one more attempt, success one round trip.
 */
async function applyInOneMessage(client: pg.ClientBase, target: MigrationTarget, statements: SqlStatement[], settings: ApplySettings, record: Recorder, recordSql: RecordSql): Promise<number> {
  checkAbort(settings.signal);
  const started = performance.now();
  // Each statement ends on a line of its own: a statement that ends in a `--` comment keeps it.
  const message = [
    'BEGIN',
    `SET LOCAL lock_timeout = ${settings.lockTimeoutMs}`,
    `SET LOCAL statement_timeout = ${settings.statementTimeoutMs}`,
    `SET LOCAL idle_in_transaction_session_timeout = ${settings.idleInTransactionTimeoutMs}`,
    ...(settings.durableCommit === false ? ['SET LOCAL synchronous_commit = off'] : []),
    ...statements.map((stmt) => stmt.text),
    recordSql(MESSAGE_DURATION_MS_SQL),
    'COMMIT',
  ].join('\n;\n');
  try {
    await client.query(message);
    return Math.round(performance.now() - started);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    if (settings.signal?.aborted) throw interrupted(settings.signal);
    // No server error (the connection went away): the caller maps it, as for any statement.
    if (sqlState(err) === undefined) throw err;
    return applyInTransaction(client, target, statements, settings, record);
  }
}

async function applyInTransaction(client: pg.ClientBase, target: MigrationTarget, statements: SqlStatement[], settings: ApplySettings, record: Recorder): Promise<number> {
  const firstAttempt = performance.now();
  let seen: string | undefined;
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    let current: SqlStatement | undefined;
    let sample: BlockerSample | undefined;
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = ${settings.lockTimeoutMs}; SET LOCAL statement_timeout = ${settings.statementTimeoutMs}; SET LOCAL idle_in_transaction_session_timeout = ${settings.idleInTransactionTimeoutMs}`);
      for (const stmt of statements) {
        current = stmt;
        checkAbort(settings.signal);
        sample = settings.blockers?.sampleWhileWaiting(settings.lockTimeoutMs / 4, settings.lockTimeoutMs);
        await client.query(stmt.text);
        sample?.cancel();
      }
      current = undefined;
      const durationMs = Math.round(performance.now() - started);
      await record(client, durationMs);
      await client.query('COMMIT');
      return durationMs;
    } catch (err) {
      sample?.cancel();
      await client.query('ROLLBACK').catch(() => {});
      if (err instanceof DbshipError) throw err;
      if (settings.signal?.aborted) throw interrupted(settings.signal);
      if (!current) throw err;
      // A sample the loaded server ran too late keeps the blocker an earlier attempt saw.
      const blocker = (seen = (await blockedBy(err, sample)) ?? seen);
      if (await retried(err, attempt, firstAttempt, current, settings, blocker)) continue;
      const elsewhere = await offSearchPath(client, current, err, statements.slice(0, statements.indexOf(current))).catch(() => undefined);
      throw statementError(target, current, err, { attempts: attempt, lockTimeoutMs: settings.lockTimeoutMs, appliedBefore: 0, blocker, spentMs: performance.now() - firstAttempt, elsewhere });
    }
  }
}

/**
 * Runs `units` in order outside one enclosing transaction: a unit in a transaction is retried as a
 * whole after a lock timeout (rolled back first); a statement on its own is retried alone, and an
 * INVALID index it left is dropped first. Each committed unit is recorded (unit-progress.ts), and a
 * run resumes after the units an earlier, stopped run committed. The tracking rows are written at
 * the end, in their own transaction: a failure part-way leaves the finished units applied and the
 * migration pending.
 */
async function applyInUnits(client: pg.ClientBase, target: MigrationTarget, units: readonly TransactionUnit[], settings: ApplySettings, record: Recorder): Promise<number> {
  const started = performance.now();
  const total = units.reduce((n, u) => n + u.statements.length, 0);
  const hashes = units.map(unitHash);
  await client.query(`SET lock_timeout = ${settings.lockTimeoutMs}; SET statement_timeout = ${settings.statementTimeoutMs}`);
  try {
    const resumed = await resumeUnits(client, target, units, settings.onResume);
    let done = units.slice(0, resumed).reduce((n, u) => n + u.statements.length, 0);
    for (const [index, unit] of units.entries()) {
      if (index < resumed) continue;
      const firstAttempt = performance.now();
      let seen: string | undefined;
      // Any INVALID index that appears after this is the unit's own leftover.
      const before = unit.inTransaction ? [] : await invalidIndexes(client);
      for (let attempt = 1; ; attempt++) {
        const first = unit.statements[0]!;
        if (settings.signal?.aborted) throw done > 0 ? interruptedOutsideTransaction(target, first, done, total, settings.signal) : interrupted(settings.signal);
        let current = first;
        let sample: BlockerSample | undefined;
        try {
          // A leftover the last attempt could not drop is dropped first, or this attempt fails too.
          if (attempt > 1 && !unit.inTransaction) await dropNewInvalidIndexes(client, before, true);
          if (unit.inTransaction) await client.query(unit.begin);
          for (const stmt of unit.statements) {
            current = stmt;
            sample = settings.blockers?.sampleWhileWaiting(settings.lockTimeoutMs / 4, settings.lockTimeoutMs);
            await client.query(stmt.text);
            sample?.cancel();
          }
          // In the unit's transaction, the record commits with the work; alone, right after it.
          await recordUnitProgress(client, target, hashes.slice(0, index + 1));
          if (unit.inTransaction) await client.query('COMMIT');
          break;
        } catch (err) {
          sample?.cancel();
          if (unit.inTransaction) await client.query('ROLLBACK').catch(() => {});
          else await dropNewInvalidIndexes(client, before);
          if (settings.signal?.aborted) throw interruptedOutsideTransaction(target, current, done, total, settings.signal);
          const blocker = (seen = (await blockedBy(err, sample)) ?? seen);
          if (await retried(err, attempt, firstAttempt, current, settings, blocker)) continue;
          // What ran earlier in a unit's transaction was rolled back with it; earlier units are in the catalog.
          const rolledBack = unit.inTransaction ? unit.statements.slice(0, unit.statements.indexOf(current)) : [];
          const elsewhere = await offSearchPath(client, current, err, rolledBack).catch(() => undefined);
          throw statementError(target, current, err, { attempts: attempt, lockTimeoutMs: settings.lockTimeoutMs, appliedBefore: done, blocker, spentMs: performance.now() - firstAttempt, elsewhere });
        }
      }
      done += unit.statements.length;
    }
    const durationMs = Math.round(performance.now() - started);
    await client.query('BEGIN');
    try {
      // Recording the migration forgets its unit progress (tracking.ts), in this transaction.
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

/**
 * Before running `target`: says how a file with its own COMMIT runs (or that a file of comments
 * only changes nothing), and, for anything that does not run as one transaction, drops its own
 * INVALID leftovers and refuses other INVALID indexes.
 */
export async function checkBeforeApplying(client: pg.ClientBase, target: MigrationTarget, waitMs: number, onEvent?: (e: EngineEvent) => void): Promise<void> {
  const plan = await selfManagedPlan(target);
  const notice = (plan && selfManagedNotice(target, plan)) ?? (await commentOnlyNotice(target));
  if (notice) onEvent?.({ type: 'warning', message: notice });
  // Anything that does not run as one transaction may have left an INVALID index when interrupted.
  if (!target.transactional || plan) await assertNoInvalidIndexes(client, target, waitMs, onEvent);
}

/** The one line that says how a file with its own COMMIT runs. */
function selfManagedNotice(target: MigrationTarget, plan: SelfManagedPlan): string {
  const at = plan.firstCommit ? ` on line ${lineColumn(target.sql, plan.firstCommit.offset).line}` : '';
  return `${target.name} ends the migration's transaction with its own COMMIT${at}: the statements after it run outside a transaction, as drizzle-orm runs such a file; a failure part-way leaves what was committed applied (prefer a separate \`-- dbship:no-transaction\` migration)`;
}

/**
 * Stopped in the middle of a no-transaction migration: the statements before the one in progress
 * stay applied, and the one in progress may leave an INVALID index (the connection closed before
 * it could be dropped). Says so, and what the next run does about it.
 */
function interruptedOutsideTransaction(target: MigrationTarget, stmt: SqlStatement, done: number, total: number, signal: AbortSignal): DbshipError {
  const base = interrupted(signal);
  const { line } = lineColumn(target.sql, stmt.offset);
  return new DbshipError('INTERRUPTED', `${base.message} during ${target.name}, which runs outside a transaction, at its statement on line ${line}`, {
    details: locate(target, stmt.offset),
    why: `${done} of its ${total} statement(s) had completed and stay applied (each committed on its own, and recorded as done); the statement in progress was cancelled, and a CREATE INDEX CONCURRENTLY leaves its index behind, INVALID. The migration is not recorded as applied.`,
    fix: `run again: ${target.name} is still pending; the next run skips the ${done} completed statement(s), drops the INVALID index its own statement left, and resumes at the statement on line ${line}.`,
  });
}

/** Who blocked a statement that hit lock_timeout (sampled while it waited), described. */
async function blockedBy(err: unknown, sample: BlockerSample | undefined): Promise<string | undefined> {
  sample?.cancel();
  if (sqlState(err) !== SqlState.LockNotAvailable || !sample) return undefined;
  return describeBlockers(await sample.result());
}

/**
 * After a lock timeout: pauses (exponential from 250 ms up to 5 s, jittered so that runners and
 * retries do not fall into step) and returns true, unless the retries or the budget are spent.
 */
async function retried(err: unknown, attempt: number, firstAttempt: number, stmt: SqlStatement, settings: ApplySettings, blocker: string | undefined): Promise<boolean> {
  if (sqlState(err) !== SqlState.LockNotAvailable || attempt > settings.lockRetries) return false;
  const base = Math.min(250 * 2 ** (attempt - 1), 5_000);
  const delayMs = Math.round(base * (0.5 + Math.random()));
  const spent = performance.now() - firstAttempt;
  if (spent + delayMs + settings.lockTimeoutMs > settings.lockRetryBudgetMs) return false;
  settings.onRetry?.({ attempt, delayMs, statement: stmt.text.split('\n')[0]!.slice(0, 120), blocker });
  try {
    await sleep(delayMs, undefined, { signal: settings.signal });
  } catch {
    throw interrupted(settings.signal!);
  }
  return true;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interrupted(signal);
}

/**
 * Makes every earlier commit of this session durable: a transaction that takes a transaction id
 * and commits with `synchronous_commit = on` waits until the WAL is on disk up to its commit
 * record, which comes after all of theirs (the WAL is written in order).
 */
export async function flushCommits(client: pg.ClientBase): Promise<void> {
  await client.query('BEGIN; SET LOCAL synchronous_commit = on; SELECT txid_current(); COMMIT');
}
