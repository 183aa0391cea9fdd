import { existsSync, linkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DbshipError } from '../../errors.js';
import { loadMigrations, NO_TRANSACTION, type MigrationFile } from '../folder/files.js';
import { readJournal, type Journal, type JournalEntry } from '../folder/journal.js';
import { downPath, journalPath, snapshotFileName } from '../folder/layout.js';
import { entrySnapshot, type SnapshotFile } from '../folder/snapshot.js';
import { loadDrizzleKit, type DrizzleKit } from './kit.js';
import { renderSql } from './render.js';
import { reverseStep } from './reverse.js';

export interface InitOptions {
  /** The drizzle-kit migrations folder (drizzle.config's `out`, or MIGRATIONS_DIR). */
  readonly dir: string;
  /** True: a `.sql` file the journal does not list stops init (exit 5); else it is a warning. */
  readonly strict: boolean;
  readonly warn?: ((message: string) => void) | undefined;
}

/** What init did for one migration. */
export interface InitEntry {
  readonly tag: string;
  /** `written`: a new down file; `present`: the down file existed (left untouched); `skipped`: see reason. */
  readonly outcome: 'written' | 'present' | 'irreversible' | 'skipped';
  readonly downPath: string;
  /** Why no down file could be derived (skipped), or the irreversibility reason. */
  readonly reason?: string;
}

export interface InitReport {
  readonly dir: string;
  /** The journal's format version and dialect, as drizzle-kit wrote them. */
  readonly journal: { readonly version: string; readonly dialect: string };
  /** Migrations in the journal, and how many of them have a snapshot. */
  readonly migrations: number;
  readonly snapshots: number;
  /** Snapshot format versions found (e.g. {"6": 3, "7": 12}). */
  readonly formats: Record<string, number>;
  readonly entries: InitEntry[];
}

/**
 * Adopts an existing drizzle-kit history: checks the folder (journal, files, snapshots) and writes
 * the down file of every migration that has none, derived from its two snapshots by drizzle-kit's
 * own diff engine run backwards. Reads everything before writing anything, so a malformed journal,
 * a missing file or an unknown snapshot format stops it with nothing written; an existing down
 * file is never overwritten. Each migration it cannot reverse is reported with the reason.
 */
export async function init(options: InitOptions): Promise<InitReport> {
  const { dir } = options;
  assertHistory(dir);
  const journal = readJournal(dir);
  const migrations = loadMigrations(dir, { strict: options.strict, warn: options.warn });
  const snapshots = journal.entries.map((e) => entrySnapshot(dir, e));
  const kit = await loadDrizzleKit('init');
  const planned: Array<InitEntry & { content?: string }> = [];
  for (const [i, m] of migrations.entries()) planned.push(await planEntry(kit, m, journal.entries, snapshots, i));
  const entries = planned.map((p) => (p.content === undefined ? p : place(p)));
  return {
    dir,
    journal: { version: journal.version, dialect: journal.dialect },
    migrations: migrations.length,
    snapshots: snapshots.filter((s) => s !== null).length,
    formats: formats(snapshots),
    entries,
  };
}

function assertHistory(dir: string): void {
  if (!existsSync(dir)) {
    throw new DbshipError('CONFIG_INVALID', `the migrations folder ${dir} does not exist`, {
      why: 'init adopts an existing drizzle-kit history, and the configured folder (drizzle.config `out`, MIGRATIONS_DIR or --dir) is not there.',
      fix: 'point --dir (or MIGRATIONS_DIR, or `out` in drizzle.config) at the folder that holds meta/_journal.json; a new project needs no init: run `dbship generate --name init`.',
    });
  }
  if (!existsSync(journalPath(dir))) {
    throw new DbshipError('CONFIG_INVALID', `${dir} has no meta/_journal.json, so it is not a drizzle-kit migrations folder`, {
      why: 'init reads the journal drizzle-kit writes next to the migrations.',
      fix: 'point --dir at the folder drizzle-kit generates into (`out` in drizzle.config); a new project needs no init: run `dbship generate --name init`.',
    });
  }
}

async function planEntry(kit: DrizzleKit, m: MigrationFile, entries: readonly JournalEntry[], snapshots: readonly (SnapshotFile | null)[], i: number): Promise<InitEntry & { content?: string }> {
  const target = downPath(path.dirname(m.path), m.name);
  if (m.downSql !== null) return { tag: m.name, outcome: 'present', downPath: target };
  if (m.irreversible !== null) return { tag: m.name, outcome: 'irreversible', downPath: target, reason: m.irreversible };
  const before = i === 0 ? 'origin' : snapshots[i - 1] ?? null;
  const after = snapshots[i];
  if (before !== 'origin' && before !== null && after && entries[i]!.idx > entries[i - 1]!.idx + 1 && after.snapshot.prevId !== before.snapshot.id) {
    // The removed entry's changes are in this snapshot but never ran: the diff would undo them too.
    return { tag: m.name, outcome: 'skipped', downPath: target, reason: `it follows an entry removed from the journal (idx ${entries[i - 1]!.idx + 1}), and its snapshot was generated after that one, not after ${entries[i - 1]!.tag}'s, so the schema to return to is unknown` };
  }
  const reversal = await reverseStep(kit, { before, after: after ?? null }, m.sql);
  if (!reversal.ok) return { tag: m.name, outcome: 'skipped', downPath: target, reason: reversal.reason };
  const header = [
    `-- Undo of ${m.name}, written by \`dbship init\`: drizzle-kit's diff from meta/${snapshotFileName(entries[i]!.idx)}`,
    `-- back to ${i === 0 ? 'the empty schema' : `meta/${snapshotFileName(entries[i - 1]!.idx)}`}. Review it like generated code.`,
    ...(m.transactional ? [] : [`-- ${NO_TRANSACTION}`]),
  ];
  return { tag: m.name, outcome: 'written', downPath: target, content: renderSql(header, reversal.statements) };
}

/**
 * Creates the down file only if no file has that name: written under a temporary name, then
 * hard-linked into place, which fails instead of replacing a file that appeared meanwhile.
 */
function place(entry: InitEntry & { content?: string }): InitEntry {
  const temp = `${entry.downPath}.tmp-${process.pid}`;
  writeFileSync(temp, entry.content ?? '');
  try {
    linkSync(temp, entry.downPath);
    return { tag: entry.tag, outcome: 'written', downPath: entry.downPath };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { tag: entry.tag, outcome: 'present', downPath: entry.downPath };
    throw new DbshipError('GENERATE_FAILED', `could not write ${entry.downPath}`, {
      cause: err,
      why: err instanceof Error ? err.message : String(err),
      fix: 'check that the migrations folder is writable and the disk is not full, then run `dbship init` again (it keeps the down files already written).',
    });
  } finally {
    rmSync(temp, { force: true });
  }
}

function formats(snapshots: readonly (SnapshotFile | null)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of snapshots) if (s) out[s.snapshot.version] = (out[s.snapshot.version] ?? 0) + 1;
  return out;
}

