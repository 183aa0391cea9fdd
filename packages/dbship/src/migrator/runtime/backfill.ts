import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { DbshipError } from '../../errors.js';
import { sqlState, SqlState } from '../../db/sqlstate.js';
import type { BackfillPhase } from '../folder/online.js';
import type { MigrationFile } from '../folder/files.js';
import { quoteIdent } from '../../db/pool.js';
import { parseError, statementError, type MigrationTarget } from '../sql/statement-error.js';
import { splitStatements, type SqlStatement } from '../sql/split.js';
import type { ApplySettings, Recorder } from './apply.js';
import type { EngineEvent } from './events.js';
import { interrupted } from './lock.js';
import { trackingOf } from './tracking-names.js';
import { unfitRows } from './backfill-unfit.js';

/** Where a backfill stands, as committed with its last batch. */
export interface BackfillProgress {
  /** The largest key done so far (text), null before the first batch. */
  readonly lastKey: string | null;
  readonly rowsDone: number;
  readonly batches: number;
}

/** How often a running backfill reports its progress (ms). */
const REPORT_EVERY_MS = 2_000;

/**
 * Runs a `-- dbship:backfill` migration: its one UPDATE statement, batch after batch, in primary
 * key order. `$1` is the exclusive lower bound (NULL for the first batch) and `$2` the inclusive
 * upper bound of each batch. Every batch is one short transaction that also advances the
 * progress row in `<tracking>.backfills`, so a runner killed at any point (kill -9 included)
 * resumes after the last committed batch: no row is done twice or missed. Rows written while it
 * runs are kept in step by the expand step's triggers. The migration is recorded as applied once
 * the last batch finds no more rows; its progress row goes with it. Returns the duration (ms).
 */
export async function applyBackfill(client: pg.ClientBase, target: MigrationTarget, phase: BackfillPhase, settings: ApplySettings & { onEvent?: ((e: EngineEvent) => void) | undefined }, record: Recorder): Promise<number> {
  const statements = await splitStatements(target.sql).catch((err: unknown) => {
    throw parseError(target, err);
  });
  if (statements.length !== 1) {
    throw new DbshipError('MIGRATION_FAILED', `${target.name} is a backfill with ${statements.length} statements; it must have exactly one`, {
      why: 'a backfill runs one UPDATE per batch with the batch bounds as $1 (exclusive, NULL at the start) and $2 (inclusive).',
      fix: 'keep one UPDATE ... WHERE ("key" > $1 OR $1 IS NULL) AND "key" <= $2 statement in the file; put other statements in the expand or contract migration.',
    });
  }
  const stmt = statements[0]!;
  const t = trackingOf(client);
  const started = performance.now();
  await client.query(`INSERT INTO ${t.backfills} (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [target.name]);
  let progress = await readProgress(client, target.name);
  const estimate = await estimatedRows(client, phase);
  const resumedAt = progress.rowsDone;
  if (progress.batches > 0) settings.onEvent?.({ type: 'warning', message: `${target.name}: resuming the backfill after key ${progress.lastKey} (${progress.rowsDone} row(s) in ${progress.batches} batch(es) already done)` });
  const table = `${quoteIdent(phase.schema)}.${quoteIdent(phase.table)}`;
  const key = quoteIdent(phase.key);
  const bounds = `SELECT max(k)::text AS upper, count(*)::int AS n FROM (SELECT ${key} AS k FROM ${table} WHERE (${key} > $1 OR $1 IS NULL) ORDER BY ${key} LIMIT ${phase.batch}) AS batch`;
  let reported = performance.now();
  for (;;) {
    if (settings.signal?.aborted) throw interrupted(settings.signal);
    const batchStarted = performance.now();
    const next = await batch(client, target, stmt, settings, async () => {
      const { rows } = await client.query<{ upper: string | null; n: number }>(bounds, [progress.lastKey]);
      const upper = rows[0]?.upper ?? null;
      if (upper === null) return null;
      const done = await client.query(stmt.text, [progress.lastKey, upper]);
      const { rows: saved } = await client.query<{ last_key: string; rows_done: string; batches: number }>(
        `UPDATE ${t.backfills} SET last_key = $2, rows_done = rows_done + $3, batches = batches + 1, updated_at = now()
          WHERE name = $1 RETURNING last_key, rows_done, batches`,
        [target.name, upper, done.rowCount ?? 0],
      );
      const s = saved[0]!;
      return { lastKey: s.last_key, rowsDone: Number(s.rows_done), batches: s.batches };
    }).catch(async (err: unknown) => {
      throw (await unfitRows(client, target.name, phase, progress, err).catch(() => null)) ?? err;
    });
    if (next === null) break;
    progress = next;
    if (performance.now() - reported >= REPORT_EVERY_MS) {
      reported = performance.now();
      settings.onEvent?.(progressEvent(target.name, progress, estimate, resumedAt, performance.now() - started));
    }
    const pauseMs = phase.pauseMs === 'auto' ? autoPause(performance.now() - batchStarted) : phase.pauseMs;
    if (pauseMs > 0) await pause(pauseMs, settings.signal);
  }
  const durationMs = Math.round(performance.now() - started);
  settings.onEvent?.(progressEvent(target.name, progress, estimate, resumedAt, durationMs));
  await client.query('BEGIN');
  try {
    await record(client, durationMs);
    await client.query(`DELETE FROM ${t.backfills} WHERE name = $1`, [target.name]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
  return durationMs;
}

/** Deletes the progress of the backfills that come after `expand` in the build (their expand is reverted). */
export async function forgetBackfills(client: pg.ClientBase, files: readonly MigrationFile[], expand: MigrationFile): Promise<void> {
  const later = files.filter((f) => f.index > expand.index && f.online?.phase === 'backfill').map((f) => f.name);
  if (later.length > 0) await client.query(`DELETE FROM ${trackingOf(client).backfills} WHERE name = ANY($1)`, [later]);
}

/** The progress row of `name` (zero when absent). */
export async function readProgress(client: pg.ClientBase, name: string): Promise<BackfillProgress> {
  const { rows } = await client.query<{ last_key: string | null; rows_done: string; batches: number }>(
    `SELECT last_key, rows_done, batches FROM ${trackingOf(client).backfills} WHERE name = $1`, [name]);
  const r = rows[0];
  return r ? { lastKey: r.last_key, rowsDone: Number(r.rows_done), batches: r.batches } : { lastKey: null, rowsDone: 0, batches: 0 };
}

/**
 * One batch in its own transaction, under the migration timeouts. A batch that hits
 * `lock_timeout` (an app transaction holds one of its rows) is rolled back and retried with
 * backoff, within the migration's retry settings; any other error fails the migration with the
 * progress of the batches before it kept.
 */
async function batch<T>(client: pg.ClientBase, target: MigrationTarget, stmt: SqlStatement, settings: ApplySettings, run: () => Promise<T>): Promise<T> {
  const first = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = ${settings.lockTimeoutMs}; SET LOCAL statement_timeout = ${settings.statementTimeoutMs}`);
      const result = await run();
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      if (settings.signal?.aborted) throw interrupted(settings.signal);
      const delayMs = Math.min(250 * 2 ** (attempt - 1), 5_000);
      const retry = sqlState(err) === SqlState.LockNotAvailable && attempt <= settings.lockRetries && performance.now() - first + delayMs < settings.lockRetryBudgetMs;
      if (!retry) throw statementError(target, stmt, err, { attempts: attempt, lockTimeoutMs: settings.lockTimeoutMs, appliedBefore: 0, spentMs: performance.now() - first });
      settings.onRetry?.({ attempt, delayMs, statement: stmt.text.split('\n')[0]!.slice(0, 120) });
      await pause(delayMs, settings.signal);
    }
  }
}

/**
 * `pause=auto`: as long as the batch took (lock retries included), within 1 ms .. 2 s. The backfill
 * then keeps its backend busy at most half the time: on a small machine the app's queries find a
 * free core, and a batch that waited on the app's row locks is followed by a longer rest.
 */
export function autoPause(batchMs: number): number {
  return Math.min(2_000, Math.max(1, Math.round(batchMs)));
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw interrupted(signal!);
  }
}

/** The planner's row estimate of the table (no scan when it has one), for the ETA. */
async function estimatedRows(client: pg.ClientBase, phase: BackfillPhase): Promise<number | null> {
  const { rows } = await client.query<{ n: number | null }>(
    `SELECT CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS n
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [phase.schema, phase.table],
  );
  const n = rows[0]?.n;
  if (n !== null && n !== undefined) return Number(n);
  // Never analyzed (a new or small table): count once instead.
  const counted = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(phase.schema)}.${quoteIdent(phase.table)}`);
  return Number(counted.rows[0]!.n);
}

function progressEvent(name: string, p: BackfillProgress, estimate: number | null, resumedAt: number, elapsedMs: number): EngineEvent {
  const rate = elapsedMs > 0 ? ((p.rowsDone - resumedAt) * 1000) / elapsedMs : 0;
  const left = estimate === null ? null : Math.max(0, estimate - p.rowsDone);
  return {
    type: 'backfill',
    name,
    rowsDone: p.rowsDone,
    batches: p.batches,
    lastKey: p.lastKey,
    estimatedRows: estimate,
    rowsPerSecond: Math.round(rate),
    etaMs: left === null || rate <= 0 ? null : Math.round((left / rate) * 1000),
  };
}
