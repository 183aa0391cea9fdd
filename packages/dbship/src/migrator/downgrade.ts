import path from 'node:path';
import { displayPath } from '../display-path.js';
import type { EngineSettings } from '../settings.js';
import { DbshipError } from '../errors.js';
import { applyMigration, checkBeforeApplying } from './runtime/apply.js';
import { warnWith, type EngineEvent, type RunOptions } from './runtime/events.js';
import { headerDirectives, NO_TRANSACTION, type MigrationFile } from './folder/files.js';
import { downPath, findByName } from './folder/layout.js';
import { loadRequiredMigrations } from './folder/required.js';
import { analyze, assertIntegrity, findInBuild } from './runtime/plan.js';
import { resetSession, withLockedSession, withReadSession, type LockedSession } from './runtime/session.js';
import { assertRunnable } from './sql/runnable.js';
import type { MigrationTarget } from './sql/statement-error.js';
import { appendHistory, readApplied, removeApplied, type AppliedMigration } from './runtime/tracking.js';
import { forgetBackfills } from './runtime/backfill.js';
import { applySettings } from './upgrade.js';

/** Which applied migrations to revert: the newest `steps` (default 1), or everything after `to`. */
export interface DowngradeRequest {
  readonly steps?: number | undefined;
  /** Revert everything applied after this migration (it stays applied). */
  readonly to?: string | undefined;
}

export interface DowngradeOptions extends DowngradeRequest, RunOptions {
  /** Print the plan and the down SQL; change nothing (takes no lock). */
  readonly dryRun?: boolean | undefined;
  /**
   * The names a person confirmed (from a dry run), newest first: when the plan made under the
   * lock differs (another runner moved the database meanwhile), nothing is reverted.
   */
  readonly confirmed?: readonly string[] | undefined;
}

/** One migration to revert: the build's file and its down file as the thing to run. */
export interface RevertStep {
  readonly file: MigrationFile;
  readonly target: MigrationTarget;
}

export interface DowngradeResult {
  /** Migrations reverted by this run, newest first. */
  readonly reverted: { readonly name: string; readonly durationMs: number }[];
  /** What was (or, for a dry run, would be) reverted, newest first. */
  readonly planned: RevertStep[];
  readonly dryRun: boolean;
  readonly lockWaitMs: number;
}

/**
 * Reverts applied migrations newest first (by application order), each down file in its own
 * transaction together with removing its tracking row and appending a `revert` history row,
 * under the migration lock. Before reverting anything it checks integrity (exit 5) and refuses
 * the whole request when a migration in range has no down file, is marked irreversible or is
 * unknown to this build (`IRREVERSIBLE`, exit 2).
 */
export async function downgrade(config: EngineSettings, options: DowngradeOptions = {}): Promise<DowngradeResult> {
  const files = loadRequiredMigrations(config.migrations.dir, { strict: config.migrations.strict, warn: warnWith(options.onEvent), cwd: options.cwd });
  const request = { steps: options.steps, to: options.to };
  if (options.dryRun) {
    return withReadSession(config, async (client) => {
      const planned = shown(planDowngrade(files, await readApplied(client), request), options.cwd);
      await assertRunnable(planned.map((step) => step.target));
      return { reverted: [], planned, dryRun: true, lockWaitMs: 0 };
    });
  }
  return withLockedSession(config, options, async (session) => {
    const planned = shown(planDowngrade(files, await readApplied(session.client), request), options.cwd);
    assertConfirmed(planned, options.confirmed);
    // Every down file is checked before the first one runs.
    await assertRunnable(planned.map((step) => step.target));
    const reverted = await revertAll(config, session, planned, options, files);
    return { reverted, planned, dryRun: false, lockWaitMs: session.lockWaitMs };
  });
}

/** The steps with their down files' paths as messages show them (from `cwd`). */
function shown(steps: readonly RevertStep[], cwd: string | undefined): RevertStep[] {
  return steps.map((s) => ({ ...s, target: { ...s.target, shownPath: displayPath(s.target.path, cwd) } }));
}

function assertConfirmed(planned: readonly RevertStep[], confirmed: readonly string[] | undefined): void {
  const names = planned.map((p) => p.file.name);
  if (confirmed === undefined || names.join() === confirmed.join()) return;
  throw new DbshipError('CONFIRMATION_REQUIRED', `the database changed since the downgrade was confirmed: it would now revert ${names.join(', ') || 'nothing'}, not ${confirmed.join(', ')}`, {
    why: 'another runner applied or reverted migrations in the meantime; nothing was reverted.',
    fix: 'run `dbship status`, then the downgrade again.',
  });
}

/**
 * The down files to run, newest applied first, after the integrity and reversibility rules.
 * Pure: throws `CHECKSUM_MISMATCH` / `MISSING_FILE` (exit 5), `IRREVERSIBLE` naming every
 * offending migration, or `USAGE` / `UNKNOWN_MIGRATION` for a bad request (exit 2).
 */
export function planDowngrade(files: readonly MigrationFile[], applied: readonly AppliedMigration[], request: DowngradeRequest): RevertStep[] {
  assertIntegrity(analyze(files, applied));
  const range = revertRange(files, [...applied].sort((a, b) => a.seq - b.seq), request);
  const byName = new Map(files.map((f) => [f.name, f]));
  const problems: string[] = [];
  const blocked: string[] = [];
  for (const row of range) {
    const file = byName.get(row.name);
    const before = problems.length;
    if (!file) problems.push(`${row.name}: unknown to this build (a newer release applied it); only that release has its down file`);
    else if (file.irreversible !== null) problems.push(`${row.name}: marked irreversible: ${file.irreversible}`);
    else if (file.downSql === null) problems.push(`${row.name}: has no down file (expected ${path.basename(downPath(path.dirname(file.path), file.name))})`);
    if (problems.length > before) blocked.push(`"${row.name}"`);
  }
  if (problems.length > 0) {
    throw new DbshipError('IRREVERSIBLE', `refusing to revert ${range.length} migration${range.length > 1 ? 's' : ''}: ${blocked.join(', ')} cannot be reverted`, {
      details: problems,
      why: 'dbship reverts the requested range entirely or not at all, so it checks every down file first; nothing was reverted.',
      fix: 'revert fewer migrations (--steps / --to), write the missing down file, or deploy the release that knows the migration and downgrade with it. To undo an irreversible migration, write a new forward migration instead.',
    });
  }
  return range.map((row) => {
    const file = byName.get(row.name)!;
    return { file, target: downTarget(file) };
  });
}

/** The applied rows to revert, newest first; `applied` is in application order. */
function revertRange(files: readonly MigrationFile[], applied: readonly AppliedMigration[], request: DowngradeRequest): AppliedMigration[] {
  if (request.to !== undefined && request.steps !== undefined) {
    throw new DbshipError('USAGE', 'use either --steps or --to, not both', { fix: 'pass --steps N to revert the newest N migrations, or --to NAME to return to NAME.' });
  }
  if (request.to !== undefined) {
    const anchor = findApplied(files, applied, request.to);
    return applied.filter((a) => a.seq > anchor.seq).reverse();
  }
  const steps = request.steps ?? 1;
  if (!Number.isSafeInteger(steps) || steps < 1) {
    throw new DbshipError('USAGE', `--steps must be a whole number of 1 or more (got ${String(steps)})`, { fix: 'pass e.g. --steps 1 (the default) or --steps 3.' });
  }
  if (applied.length > 0 && steps > applied.length) {
    throw new DbshipError('USAGE', `--steps ${steps} asks for more than the ${applied.length} applied migration${applied.length > 1 ? 's' : ''}`, {
      why: 'dbship does not silently revert fewer migrations than asked.',
      fix: `pass --steps ${applied.length} to revert them all, or run \`dbship status\` to see what is applied.`,
    });
  }
  return applied.slice(applied.length - steps).reverse();
}

/** The applied row `name` refers to (full name or without its `NNNN_` prefix). */
function findApplied(files: readonly MigrationFile[], applied: readonly AppliedMigration[], name: string): AppliedMigration {
  const row = findByName(applied, name, (a) => a.name);
  if (row) return row;
  const file = findInBuild(files, name);
  throw new DbshipError('USAGE', `${file.name} is not applied, so the database cannot be returned to it`, {
    fix: 'pass --to with an applied migration (`dbship status` lists them), or --steps N.',
  });
}

/** The down file of `file` as something to run: transactional unless its header says otherwise. */
export function downTarget(file: MigrationFile): MigrationTarget {
  const sql = file.downSql ?? '';
  return {
    name: file.name,
    path: file.downPath ?? file.path,
    sql,
    transactional: !headerDirectives(sql).has(NO_TRANSACTION),
    direction: 'down',
  };
}

async function revertAll(config: EngineSettings, session: LockedSession, planned: readonly RevertStep[], options: DowngradeOptions, files: readonly MigrationFile[]): Promise<DowngradeResult['reverted']> {
  const { client, actor, lockWaitMs } = session;
  const reverted: { name: string; durationMs: number }[] = [];
  if (planned.length > 0) session.blockers.warm();
  for (const { file, target } of planned) {
    try {
      options.onEvent?.({ type: 'reverting', name: file.name, transactional: target.transactional });
      await resetSession(client, config);
      await checkBeforeApplying(client, target, config.migrations.lockRetryBudgetMs, options.onEvent);
      const durationMs = await applyMigration(client, target, applySettings(config, file.name, options, session.blockers), async (c, ms) => {
        await removeApplied(c, file.name);
        // Reverting an expand step drops the column its backfill filled: a half-done backfill's
        // progress no longer describes anything, and must not make a later run skip rows.
        if (file.online?.phase === 'expand') await forgetBackfills(c, files, file);
        await appendHistory(c, { name: file.name, action: 'revert', checksum: file.checksum, durationMs: ms, lockWaitMs }, actor);
      });
      reverted.push({ name: file.name, durationMs });
      options.onEvent?.({ type: 'reverted', name: file.name, durationMs });
    } catch (err) {
      throw reverted.length > 0 ? partlyDone(err, reverted.map((r) => r.name)) : err;
    }
  }
  return reverted;
}

/** Adds to a failure which migrations this run had already reverted (those stay reverted). */
function partlyDone(err: unknown, done: string[]): unknown {
  if (!(err instanceof DbshipError)) return err;
  return new DbshipError(err.code, err.message, {
    details: [...err.details, `already reverted by this run (they stay reverted): ${done.join(', ')}`],
    why: err.why,
    fix: err.fix,
    cause: err.cause ?? err,
  });
}
