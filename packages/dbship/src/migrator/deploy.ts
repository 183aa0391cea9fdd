import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineSettings } from '../settings.js';
import { DbshipError } from '../errors.js';
import { detectDrift, failingDifferences, type DriftOptions, type DriftReport } from './drift/index.js';
import type { EngineEvent, RunOptions } from './runtime/events.js';
import { loadRequiredMigrations } from './folder/required.js';
import { interrupted } from './runtime/lock.js';
import { migrationDb } from './runtime/session.js';
import { upgrade, type UpgradeResult } from './upgrade.js';
import { waitForDatabase } from './runtime/wait.js';

export type DriftPolicy = 'fail' | 'warn' | 'off';

export interface DeployOptions extends RunOptions {
  /** How long to wait for the database (ms); default `config.migrations.waitMs` (DB_WAIT). */
  readonly waitMs?: number | undefined;
  /** What a post-apply difference between database and models does (default 'fail'). */
  readonly drift?: DriftPolicy | undefined;
  /** drizzle-orm's tracking table when the project moved it (drizzle.config's `migrations`). */
  readonly drizzle?: DriftOptions['drizzle'];
}

export interface DeployResult {
  readonly waitedMs: number;
  readonly upgrade: UpgradeResult;
  /** Null when the check was off or skipped because the database is ahead of the build. */
  readonly drift: DriftReport | null;
}

/**
 * The init container's whole job: wait for the database (bounded), take the migration lock,
 * bootstrap and apply pending migrations, then verify the live schema matches this build's
 * models. Every failure is a `DbshipError` carrying its exit code; success means the app may start.
 */
export async function deploy(config: EngineSettings, options: DeployOptions = {}): Promise<DeployResult> {
  // A missing or empty folder is a configuration error: said at once, not after waiting for the
  // database (its warnings come once, from the upgrade below).
  loadRequiredMigrations(config.migrations.dir, { strict: config.migrations.strict, cwd: options.cwd });
  const { waitedMs, result } = await upgradeWhenReachable(config, options);
  const policy = options.drift ?? 'fail';
  if (policy === 'off') return { waitedMs, upgrade: result, drift: null };
  if (result.ahead.length > 0) {
    // A newer release's migrations are in the database: differences are expected, not drift.
    options.onEvent?.({ type: 'warning', message: 'drift check skipped: the database is ahead of this build' });
    return { waitedMs, upgrade: result, drift: null };
  }
  const drift = await detectDrift(config, { drizzle: options.drizzle });
  const warn = (message: string): void => options.onEvent?.({ type: 'warning', message });
  for (const d of drift.differences) if (d.severity === 'warning') warn(`drift: ${d.message}`);
  for (const e of drift.stale) warn(`drift: the accepted difference "${e.key}" no longer occurs: drop it with \`dbship drift --accept\``);
  const failing = failingDifferences(drift);
  if (failing.length > 0) {
    const lines = failing.map((d) => d.message);
    if (policy === 'warn') {
      for (const message of lines) warn(`drift: ${message}`);
    } else {
      throw new DbshipError('PROBLEMS_FOUND', `the database schema differs from this build's models after migrating (${lines.length} difference${lines.length > 1 ? 's' : ''} not accepted)`, {
        details: lines,
        why: 'someone changed the schema by hand, or a migration does not match its snapshot; the app may not work against this schema.',
        fix: 'turn the manual change into a migration (or revert it), then deploy again; `dbship drift` lists the same differences. A difference that is fine (the snapshots were wrong from the start) can be accepted with `dbship drift --accept --reason "..."` and the list committed.',
      });
    }
  }
  return { waitedMs, upgrade: result, drift };
}

/** Between two looks at a read-only database (a standby being promoted): short, then every 5 s. */
const READ_ONLY_RETRY_MS = [500, 1_000, 2_000, 5_000];

/**
 * Waits for the database, then upgrades. Should the connection drop mid-run (a restart or a
 * failover: the server rolled back the migration in progress), or the database accept only
 * reads (a standby not promoted yet), waits and tries again, as long as the wait budget lasts.
 */
async function upgradeWhenReachable(config: EngineSettings, options: DeployOptions): Promise<{ waitedMs: number; result: UpgradeResult }> {
  const db = migrationDb(config);
  const budgetMs = options.waitMs ?? config.migrations.waitMs;
  const started = Date.now();
  let waitedMs = 0;
  for (let attempt = 0; ; attempt++) {
    // The first attempt goes straight to work, on the connection the upgrade opens anyway (a pod
    // start usually finds the database up); only when that one cannot connect is it waited for.
    if (attempt > 0) {
      const deadlineMs = Math.max(0, budgetMs - (Date.now() - started));
      waitedMs += await waitForDatabase(db, { deadlineMs, signal: options.signal, onEvent: options.onEvent });
    }
    try {
      return { waitedMs, result: await upgrade(config, { signal: options.signal, onEvent: options.onEvent, cwd: options.cwd }) };
    } catch (err) {
      const leftMs = budgetMs - (Date.now() - started);
      if (!(err instanceof DbshipError)) throw err;
      if (attempt === 0 && err.code === 'DB_UNREACHABLE') continue;
      if (leftMs <= 0) throw err.code === 'DATABASE_READ_ONLY' ? stillReadOnly(err, budgetMs) : err;
      if (err.code === 'DATABASE_READ_ONLY') {
        options.onEvent?.({ type: 'warning', message: `${err.message}; waiting for it to accept writes (a promotion), up to ${Math.round(leftMs / 1000)} s more` });
        waitedMs += await pause(Math.min(leftMs, READ_ONLY_RETRY_MS[Math.min(attempt, READ_ONLY_RETRY_MS.length - 1)]!), options.signal);
        continue;
      }
      if (err.code !== 'CONNECTION_LOST') throw err;
      options.onEvent?.({ type: 'warning', message: 'the connection to the database was lost mid-run (nothing uncommitted was kept); waiting to try again' });
    }
  }
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<number> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw interrupted(signal!);
  }
  return ms;
}

function stillReadOnly(err: DbshipError, budgetMs: number): DbshipError {
  return new DbshipError('DATABASE_READ_ONLY', `${err.message}; still so after waiting ${Math.round(budgetMs / 1000)} s (DB_WAIT)`, { why: err.why, fix: err.fix, details: [...err.details], cause: err });
}
