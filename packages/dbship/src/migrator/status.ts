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
import { describeRelease, olderThan, recentReleases } from './runtime/releases.js';
import { readProgress } from './runtime/backfill.js';
import type { MigrationFile } from './folder/files.js';
import type pg from 'pg';
import { partialRun, stoppedRuns, type Resume } from './runtime/unit-progress.js';
import { upTarget } from './upgrade.js';

export interface StatusRow {
  readonly name: string;
  readonly state: MigrationState;
  readonly outOfOrder: boolean;
  readonly appliedAt: string | null;
  readonly appliedBy: string | null;
  readonly checksum: string | null;
  /** A pending migration that a run stopped part-way (no-transaction, or its own COMMIT): how far it got. */
  readonly partial?: Resume | undefined;
}

export interface StatusResult {
  readonly rows: StatusRow[];
  readonly counts: Record<MigrationState, number>;
  /** Who holds the migration lock right now, if anyone. */
  readonly lockHeldBy: string | null;
  /** Facts about the folder worth knowing and needing nothing (a hole in the journal's idx). */
  readonly notes: string[];
  /** Online changes whose expand step is applied and whose contract is not. */
  readonly openChanges: OpenChange[];
  /** The running releases (heartbeat within MIGRATE_RELEASE_WINDOW), described. */
  readonly releases: string[];
}

/** An online change between its expand and its contract. */
export interface OpenChange {
  /** The expand migration and what it does (`rename public.users.name -> full_name`). */
  readonly expand: string;
  readonly change: string;
  /** Backfill: `done`, `pending`, or `<rows> rows done, up to key <k>` while one is under way. */
  readonly backfill: string | null;
  readonly contract: string | null;
  /** Releases older than the expand seen within the window: the contract waits for them. */
  readonly waitingFor: string[];
}

/** Applied / pending / modified / missing / unknown, one row per migration; changes nothing. */
export async function status(config: EngineSettings, options: Pick<RunOptions, 'onEvent' | 'cwd'> = {}): Promise<StatusResult> {
  const files = loadRequiredMigrations(config.migrations.dir, { strict: config.migrations.strict, warn: warnWith(options.onEvent), cwd: options.cwd });
  const notes = journalGaps(readJournal(config.migrations.dir, options.cwd).entries).map(describeGap);
  return withReadSession(config, async (client) => {
    const analysis = analyze(files, await readApplied(client));
    const holder = await findLockHolder(client);
    const rows: StatusRow[] = [];
    const stopped = await stoppedRuns(client);
    for (const e of analysis.entries) {
      const partial = e.state === 'pending' && e.file && stopped.has(e.name) ? await partialRun(client, upTarget(e.file)) : null;
      rows.push({
        name: e.name,
        state: e.state,
        outOfOrder: e.outOfOrder,
        appliedAt: e.applied ? e.applied.appliedAt.toISOString() : null,
        appliedBy: e.applied ? e.applied.appliedBy : null,
        checksum: e.file?.checksum ?? e.applied?.checksum ?? null,
        ...(partial ? { partial } : {}),
      });
    }
    const counts = { applied: 0, modified: 0, pending: 0, missing: 0, unknown: 0 };
    for (const r of rows) counts[r.state]++;
    const seen = await recentReleases(client, config.migrations.releaseWindowMs);
    const openChanges = await findOpenChanges(client, files, new Set(rows.filter((r) => r.state === 'applied').map((r) => r.name)), (expand) => olderThan(seen, files, expand).map((r) => describeRelease(r)));
    return { rows, counts, lockHeldBy: holder ? describeHolder(holder) : null, notes, openChanges, releases: seen.map((r) => describeRelease(r)) };
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

async function findOpenChanges(client: pg.Client, files: readonly MigrationFile[], applied: ReadonlySet<string>, waitingFor: (expand: MigrationFile) => string[]): Promise<OpenChange[]> {
  const open: OpenChange[] = [];
  for (const expand of files) {
    if (expand.online?.phase !== 'expand' || !applied.has(expand.name)) continue;
    // A key retype closes with two steps (contract, validate): the change is open until the last is applied.
    const contracts = files.filter((f) => f.online?.phase === 'contract' && f.online.expand === expand.name);
    if (contracts.length > 0 && contracts.every((c) => applied.has(c.name))) continue;
    const contract = contracts.find((c) => !applied.has(c.name)) ?? null;
    const backfill = files.find((f) => f.index > expand.index && f.online?.phase === 'backfill' && (!contract || f.index < contract.index)) ?? null;
    open.push({
      expand: expand.name,
      change: expand.online.change,
      backfill: backfill === null ? null : await backfillState(client, backfill, applied),
      contract: contract?.name ?? null,
      waitingFor: waitingFor(expand),
    });
  }
  return open;
}

async function backfillState(client: pg.Client, backfill: MigrationFile, applied: ReadonlySet<string>): Promise<string> {
  if (applied.has(backfill.name)) return `${backfill.name} done`;
  const p = await readProgress(client, backfill.name).catch(() => ({ batches: 0, rowsDone: 0, lastKey: null }));
  return p.batches === 0 ? `${backfill.name} pending` : `${backfill.name} under way: ${p.rowsDone} rows done, up to key ${p.lastKey}`;
}
