import { displayPath } from '../display-path.js';
import type { EngineSettings } from '../settings.js';
import { applyMigration, checkBeforeApplying, flushCommits, type ApplySettings } from './runtime/apply.js';
import type { BlockerWatch } from './runtime/blockers.js';
import { warnWith, type EngineEvent, type RunOptions } from './runtime/events.js';
import type { MigrationFile } from './folder/files.js';
import { loadRequiredMigrations } from './folder/required.js';
import { analyze, planUpgrade, type Analysis } from './runtime/plan.js';
import { resetSession, withLockedSession, withReadSession } from './runtime/session.js';
import { assertRunnable } from './sql/runnable.js';
import type { MigrationTarget } from './sql/statement-error.js';
import { appendHistory, readApplied, recordApplied, recordAppliedSql } from './runtime/tracking.js';
import { trackingOf } from './runtime/tracking-names.js';
import { applyBackfill } from './runtime/backfill.js';
import { describeRelease, olderThan, recentReleases } from './runtime/releases.js';
import type pg from 'pg';

export interface UpgradeOptions extends RunOptions {
  /** Stop after this migration (name, with or without its `NNNN_` prefix). */
  readonly to?: string | undefined;
  /** Print the plan and SQL; change nothing (takes no lock). */
  readonly dryRun?: boolean | undefined;
  /** Default: `config.migrations.allowOutOfOrder`. */
  readonly allowOutOfOrder?: boolean | undefined;
  /** Default: `config.migrations.strict`. */
  readonly strict?: boolean | undefined;
}

export interface UpgradeResult {
  /** Migrations applied by this run, in order. */
  readonly applied: { readonly name: string; readonly durationMs: number }[];
  /** What was (or, for a dry run, would be) applied. */
  readonly planned: MigrationFile[];
  /** Recorded migrations this build does not know: the database is ahead (a rollback). */
  readonly ahead: string[];
  /**
   * A contract step that was not applied because a release older than its expand step is still
   * seen (its heartbeat); migrations after it were not applied either. Null when none waited.
   */
  readonly deferred: { readonly name: string; readonly expand: string; readonly releases: string[] } | null;
  readonly dryRun: boolean;
  readonly lockWaitMs: number;
}

/**
 * Applies the pending migrations of the build, each in its own transaction with its tracking
 * row, under the migration lock. Refuses (before applying anything) changed, deleted or
 * out-of-order files. A database ahead of the build, and a `.sql` file the journal does not list
 * (ignored, as drizzle-orm ignores it), are accepted with a warning unless strict.
 */
export async function upgrade(config: EngineSettings, options: UpgradeOptions = {}): Promise<UpgradeResult> {
  const strict = options.strict ?? config.migrations.strict;
  const files = loadRequiredMigrations(config.migrations.dir, { strict, warn: warnWith(options.onEvent), cwd: options.cwd });
  const planOptions = {
    to: options.to,
    allowOutOfOrder: options.allowOutOfOrder ?? config.migrations.allowOutOfOrder,
    strict,
  };
  if (options.dryRun) {
    return withReadSession(config, async (client) => {
      const analysis = analyze(files, await readApplied(client));
      const planned = planUpgrade(files, analysis, planOptions);
      await assertRunnable(planned.map((f) => upTarget(f, options.cwd)));
      warnAhead(analysis, options.onEvent);
      // What a real run would do now: stop at a contract an older release still holds back.
      let deferred: UpgradeResult['deferred'] = null;
      let stopAt = 0;
      for (; stopAt < planned.length && !deferred; stopAt++) deferred = await contractBlocked(client, config, files, planned[stopAt]!);
      if (deferred) {
        stopAt--;
        options.onEvent?.({ type: 'contract-deferred', ...deferred, windowMs: config.migrations.releaseWindowMs });
      }
      return { applied: [], planned: planned.slice(0, stopAt), ahead: analysis.unknown.map((e) => e.name), deferred, dryRun: true, lockWaitMs: 0 };
    });
  }
  return withLockedSession(config, options, async ({ client, actor, lockWaitMs, blockers }) => {
    const analysis = analyze(files, await readApplied(client));
    const planned = planUpgrade(files, analysis, planOptions);
    // Every file is checked before the first one runs: a refused file leaves nothing half-done.
    await assertRunnable(planned.map((f) => upTarget(f, options.cwd)));
    warnAhead(analysis, options.onEvent);
    if (planned.length > 0) blockers.warm();
    const applied: { name: string; durationMs: number }[] = [];
    let deferred: UpgradeResult['deferred'] = null;
    for (const file of planned) {
      deferred = await contractBlocked(client, config, files, file);
      if (deferred) {
        options.onEvent?.({ type: 'contract-deferred', ...deferred, windowMs: config.migrations.releaseWindowMs });
        break;
      }
      const target = upTarget(file, options.cwd);
      await resetSession(client, config);
      await checkBeforeApplying(client, target, config.migrations.lockRetryBudgetMs, options.onEvent);
      options.onEvent?.({ type: 'applying', name: file.name, transactional: file.transactional });
      // Commits do not wait for the disk one by one; flushCommits below waits once for all.
      const settings = { ...applySettings(config, file.name, options, blockers), durableCommit: false };
      const record = async (c: pg.ClientBase, ms: number) => {
        await recordApplied(c, { name: file.name, checksum: file.checksum, durationMs: ms, lockWaitMs, kind: 'applied' }, actor);
        await appendHistory(c, { name: file.name, action: 'apply', checksum: file.checksum, durationMs: ms, lockWaitMs }, actor);
      };
      const durationMs = file.online?.phase === 'backfill'
        ? await applyBackfill(client, target, file.online, { ...settings, onEvent: options.onEvent }, record)
        : await applyMigration(client, target, settings, record,
          (durationMsSql) => recordAppliedSql(trackingOf(client), { name: file.name, checksum: file.checksum, lockWaitMs }, actor, durationMsSql));
      applied.push({ name: file.name, durationMs });
      options.onEvent?.({ type: 'applied', name: file.name, durationMs });
    }
    if (applied.length > 0) await flushCommits(client);
    return { applied, planned, ahead: analysis.unknown.map((e) => e.name), deferred, dryRun: false, lockWaitMs };
  });
}

/**
 * For a contract step: the releases older than its expand step seen within the window (their
 * heartbeat), which still use the old shape the contract removes. Null: it may run.
 */
async function contractBlocked(client: pg.ClientBase, config: EngineSettings, files: readonly MigrationFile[], file: MigrationFile): Promise<UpgradeResult['deferred']> {
  if (file.online?.phase !== 'contract') return null;
  const expandName = file.online.expand;
  const expand = files.find((f) => f.name === expandName)!;
  const older = olderThan(await recentReleases(client, config.migrations.releaseWindowMs), files, expand);
  return older.length === 0 ? null : { name: file.name, expand: expand.name, releases: older.map((r) => describeRelease(r)) };
}

export function upTarget(file: MigrationFile, cwd?: string): MigrationTarget {
  return { name: file.name, path: file.path, shownPath: displayPath(file.path, cwd), sql: file.sql, transactional: file.transactional, direction: 'up' };
}

export function applySettings(config: EngineSettings, name: string, options: Pick<UpgradeOptions, 'signal' | 'onEvent'>, blockers?: BlockerWatch): ApplySettings {
  return {
    lockTimeoutMs: config.migrations.lockTimeoutMs,
    statementTimeoutMs: config.migrations.statementTimeoutMs,
    idleInTransactionTimeoutMs: config.migrations.idleInTransactionTimeoutMs,
    lockRetries: config.migrations.lockRetries,
    lockRetryBudgetMs: config.migrations.lockRetryBudgetMs,
    blockers,
    signal: options.signal,
    onRetry: (info) => options.onEvent?.({ type: 'retry', name, ...info }),
    onResume: ({ skipped, total, line }) => options.onEvent?.({ type: 'warning', message: `${name} resumes at its statement on line ${line}: ${skipped} of its ${total} statement(s) were committed by an earlier run that stopped part-way, and are not run again` }),
  };
}

function warnAhead(analysis: Analysis, onEvent: UpgradeOptions['onEvent']): void {
  if (analysis.unknown.length === 0) return;
  onEvent?.({
    type: 'warning',
    message: `the database is ahead of this build: ${analysis.unknown.map((e) => e.name).join(', ')} ${analysis.unknown.length > 1 ? 'are' : 'is'} applied but unknown here (a rollback to an older image?). Continuing: the older release keeps working with expand-only migrations; set MIGRATE_STRICT=true to refuse instead.`,
  });
}
