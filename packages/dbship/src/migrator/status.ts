/**
 * The read-only reports of a database's migrations: `status` (applied, pending, modified,
 * missing, unknown, one row each) and `history` (the audit log). Neither changes anything or takes
 * the migration lock.
 */
import type { EngineSettings } from '../settings.js';
import { describeGap, journalGaps, readJournal } from './folder/journal.js';
import { matchesName } from './folder/layout.js';
import { loadRequiredMigrations } from './folder/required.js';
import { warnWith, type RunOptions } from './runtime/events.js';
import { describeHolder, findLockHolder } from './runtime/lock.js';
import { analyze, type MigrationState } from './runtime/plan.js';
import { withReadSession } from './runtime/session.js';
import { readApplied, readHistory, type HistoryEntry } from './runtime/tracking.js';

export interface StatusRow {
  readonly name: string;
  readonly state: MigrationState;
  readonly outOfOrder: boolean;
  readonly appliedAt: string | null;
  readonly appliedBy: string | null;
  readonly checksum: string | null;
}

export interface StatusResult {
  readonly rows: StatusRow[];
  readonly counts: Record<MigrationState, number>;
  /** Who holds the migration lock right now, if anyone. */
  readonly lockHeldBy: string | null;
  /** Facts about the folder worth knowing and needing nothing (a hole in the journal's idx). */
  readonly notes: string[];
}

/** Applied / pending / modified / missing / unknown, one row per migration; changes nothing. */
export async function status(config: EngineSettings, options: Pick<RunOptions, 'onEvent' | 'cwd'> = {}): Promise<StatusResult> {
  const files = loadRequiredMigrations(config.migrations.dir, { strict: config.migrations.strict, warn: warnWith(options.onEvent), cwd: options.cwd });
  const notes = journalGaps(readJournal(config.migrations.dir, options.cwd).entries).map(describeGap);
  return withReadSession(config, async (client) => {
    const analysis = analyze(files, await readApplied(client));
    const holder = await findLockHolder(client);
    const rows = analysis.entries.map((e) => ({
      name: e.name,
      state: e.state,
      outOfOrder: e.outOfOrder,
      appliedAt: e.applied ? e.applied.appliedAt.toISOString() : null,
      appliedBy: e.applied ? e.applied.appliedBy : null,
      checksum: e.file?.checksum ?? e.applied?.checksum ?? null,
    }));
    const counts = { applied: 0, modified: 0, pending: 0, missing: 0, unknown: 0 };
    for (const r of rows) counts[r.state]++;
    return { rows, counts, lockHeldBy: holder ? describeHolder(holder) : null, notes };
  });
}

export interface HistoryOptions {
  /** Only the entries of this migration (full name or without its `NNNN_` prefix). */
  readonly name?: string | undefined;
}

/**
 * The audit log of this database (`dbship.history`), oldest first: every apply, revert, baseline
 * and repair with its checksum, time, host / image, duration, lock wait and reason. Changes
 * nothing and takes no lock; a database dbship never touched has an empty history.
 */
export async function history(config: EngineSettings, options: HistoryOptions = {}): Promise<HistoryEntry[]> {
  const entries = await withReadSession(config, readHistory);
  const name = options.name;
  if (name === undefined) return entries;
  return entries.filter((e) => matchesName(e.name, name));
}
