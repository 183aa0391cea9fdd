import type { EngineSettings } from '../settings.js';
import { DbshipError } from '../errors.js';
import { warnWith, type RunOptions } from './runtime/events.js';
import type { MigrationFile } from './folder/files.js';
import { findByName } from './folder/layout.js';
import { loadRequiredMigrations } from './folder/required.js';
import { analyze, findInBuild, type Analysis, type StatusEntry } from './runtime/plan.js';
import { withLockedSession } from './runtime/session.js';
import { withTransaction } from '../db/transaction.js';
import { appendHistory, readApplied, updateChecksum } from './runtime/tracking.js';

export interface RepairOptions extends RunOptions {
  /** Why the changed file is accepted; recorded in the audit log. Required, not blank. */
  readonly reason: string;
  /** Repair only this migration (full name or without its `NNNN_` prefix); default: every changed one. */
  readonly name?: string | undefined;
}

/** One accepted change: the recorded checksum before and after. */
export interface Repaired {
  readonly name: string;
  readonly previousChecksum: string;
  readonly checksum: string;
}

export interface RepairResult {
  readonly repaired: Repaired[];
  /** Applied migrations whose file is gone: repair cannot accept those, the file must come back. */
  readonly missing: string[];
}

/**
 * Accepts changed migration files: for each `modified` migration (or just `name`), the recorded
 * checksum becomes the file's, with a `repair` history row holding the previous and new
 * checksum, the host / image and the reason. All in one transaction under the migration lock.
 * A blank reason is a usage error (exit 2); nothing to repair returns an empty result.
 */
export async function repair(config: EngineSettings, options: RepairOptions): Promise<RepairResult> {
  const reason = requireReason(options.reason);
  const files = loadRequiredMigrations(config.migrations.dir, { strict: config.migrations.strict, warn: warnWith(options.onEvent), cwd: options.cwd });
  return withLockedSession(config, options, async ({ client, actor, lockWaitMs }) => {
    const analysis = analyze(files, await readApplied(client));
    const targets = selectRepairs(files, analysis, options.name);
    const repaired = targets.map((e) => ({ name: e.name, previousChecksum: e.applied!.checksum, checksum: e.file!.checksum }));
    await withTransaction(client, async () => {
      for (const r of repaired) {
        if (!(await updateChecksum(client, r.name, r.previousChecksum, r.checksum))) {
          throw new DbshipError('CHECKSUM_MISMATCH', `the recorded checksum of ${r.name} changed while repairing it`, {
            why: 'something edited dbship.migrations outside dbship while it held the migration lock; nothing was repaired.',
            fix: 'run `dbship status` to see the current state, then run repair again.',
          });
        }
        await appendHistory(client, { name: r.name, action: 'repair', checksum: r.checksum, previousChecksum: r.previousChecksum, lockWaitMs, reason }, actor);
      }
    });
    return { repaired, missing: analysis.missing.map((e) => e.name) };
  });
}

/** The reason, trimmed; a missing or blank one is a usage error. */
export function requireReason(reason: string | undefined): string {
  const trimmed = reason?.trim() ?? '';
  if (trimmed === '') {
    throw new DbshipError('USAGE', 'repair needs a reason: --reason "..."', {
      why: 'accepting a changed migration file is recorded in the audit log (dbship.history), and the record must say why.',
      fix: 'run e.g. `dbship repair --reason "comment-only edit in 0003, reviewed in PR 412"`.',
    });
  }
  return trimmed;
}

/** The changed migrations to accept: all of them, or the one named (which must be applied). */
function selectRepairs(files: readonly MigrationFile[], analysis: Analysis, name: string | undefined): StatusEntry[] {
  if (name === undefined) return analysis.modified;
  const entry = findByName(analysis.entries, name, (e) => e.name);
  if (!entry) findInBuild(files, name);
  if (!entry || entry.state === 'pending') {
    throw new DbshipError('USAGE', `${entry?.name ?? name} is not applied: there is no recorded checksum to repair`, {
      fix: 'repair accepts a changed file of an applied migration; `dbship status` lists them as "modified".',
    });
  }
  if (entry.state === 'missing' || entry.state === 'unknown') {
    throw new DbshipError('USAGE', `${entry.name} has no file in this build, so there is no new checksum to accept`, {
      why: 'repair records the checksum of the file as it is now; a deleted file cannot be accepted.',
      fix: 'restore the file from version control (same name and content).',
    });
  }
  return entry.state === 'modified' ? [entry] : [];
}
