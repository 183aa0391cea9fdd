import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DbshipError } from '../../errors.js';
import { readJournal, type Journal, type JournalEntry } from './journal.js';
import { META_DIR, snapshotPath } from './layout.js';
import type { Snapshot } from './snapshot-types.js';

export type * from './snapshot-types.js';

/** The snapshot formats drizzle-kit has written for PostgreSQL, oldest first. */
export const SNAPSHOT_VERSIONS: readonly string[] = ['5', '6', '7'];

/** The format generate writes and drift and generate read; older ones are converted by `drizzle-kit up`. */
export const CURRENT_SNAPSHOT_VERSION = '7';

/** drizzle-kit's id for "before the first migration": the first snapshot's prevId. */
export const ORIGIN_ID = '00000000-0000-0000-0000-000000000000';

/** A snapshot and where it came from. */
export interface SnapshotFile {
  /** The journal index it belongs to (the `NNNN` of its file name). */
  readonly index: number;
  readonly path: string;
  readonly snapshot: Snapshot;
}

/** The schema before the first migration, as drizzle-kit models it. */
export function emptySnapshot(): Snapshot {
  return {
    id: ORIGIN_ID,
    prevId: '',
    version: CURRENT_SNAPSHOT_VERSION,
    dialect: 'postgresql',
    tables: {},
    enums: {},
    schemas: {},
    sequences: {},
    roles: {},
    policies: {},
    views: {},
    _meta: { schemas: {}, tables: {}, columns: {} },
  };
}

/**
 * Reads one snapshot file and checks it: JSON, a PostgreSQL snapshot of a known format version
 * (5, 6 or 7), tables with named and typed columns (the id chain is `check`'s concern). Anything else is `MIGRATIONS_DIR_INVALID`
 * (exit 5) naming the file and the problem. The snapshot keeps its own version: callers that
 * need today's shape use {@link requireCurrent}.
 */
export function readSnapshot(file: string): Snapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw invalid(file, 'is not a readable JSON snapshot: it is not valid JSON', 'a merge conflict or a hand edit broke it.', { cause: err });
  }
  const s = parsed as Partial<Snapshot> | null;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw invalid(file, 'is not a JSON object', 'the file is not a drizzle-kit snapshot.');
  if (!SNAPSHOT_VERSIONS.includes(String(s.version))) {
    throw invalid(file, `has snapshot format version "${String(s.version)}"; dbship reads drizzle-kit's PostgreSQL formats ${SNAPSHOT_VERSIONS.join(', ')}`,
      'it was written by a drizzle-kit release whose format dbship does not know (drizzle-kit 1.x writes a new folder layout), or edited by hand.',
      { fix: 'generate the migrations with drizzle-kit 0.2x-0.31 (format 7), or restore the snapshot from version control.' });
  }
  if (s.dialect !== 'postgresql' && s.dialect !== 'pg') {
    throw invalid(file, `is a snapshot for dialect "${String(s.dialect)}"`, 'dbship works with PostgreSQL snapshots only.');
  }
  checkTables(s.tables, file);
  return s as Snapshot;
}

function checkTables(tables: unknown, file: string): void {
  if (typeof tables !== 'object' || tables === null) throw invalid(file, 'has no "tables" object', 'the file is truncated or hand-edited.');
  for (const [key, t] of Object.entries(tables as Record<string, Partial<Snapshot['tables'][string]> | null>)) {
    if (typeof t?.name !== 'string' || typeof t.columns !== 'object' || t.columns === null) {
      throw invalid(file, `has a malformed table entry "${key}" (no name or no columns)`, 'the file is truncated or hand-edited.');
    }
    for (const [ck, c] of Object.entries(t.columns)) {
      if (typeof c?.name !== 'string' || typeof c.type !== 'string') {
        throw invalid(file, `has a malformed column "${key}.${ck}" (no name or no type)`, 'the file is truncated or hand-edited.');
      }
    }
  }
}

/**
 * `snapshot` when it is in the current format (7), which drift and generate read; an older one
 * is `MIGRATIONS_DIR_INVALID` (exit 5) with drizzle-kit's upgrade command as the fix.
 */
export function requireCurrent(snapshot: Snapshot, file: string): Snapshot {
  if (snapshot.version === CURRENT_SNAPSHOT_VERSION) return snapshot;
  throw invalid(file, `has snapshot format version "${snapshot.version}"; dbship compares with version ${CURRENT_SNAPSHOT_VERSION}`,
    'it was written by an older drizzle-kit.', { fix: 'upgrade the snapshots with `npx drizzle-kit up`, review and commit the result.' });
}

/** The snapshot of a journal entry, or null when its file does not exist. */
export function entrySnapshot(dir: string, entry: Pick<JournalEntry, 'idx'>): SnapshotFile | null {
  const file = snapshotPath(dir, entry.idx);
  return existsSync(file) ? { index: entry.idx, path: file, snapshot: readSnapshot(file) } : null;
}

/** Every `meta/NNNN_snapshot.json` in the folder, by index (whether the journal lists it or not). */
export function listSnapshots(dir: string): SnapshotFile[] {
  const meta = path.join(dir, META_DIR);
  if (!existsSync(meta)) return [];
  return readdirSync(meta)
    .map((f) => /^(\d{4,})_snapshot\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ index: Number(m[1]), path: path.join(meta, m[0]), snapshot: readSnapshot(path.join(meta, m[0])) }))
    .sort((a, b) => a.index - b.index);
}

/**
 * The models as of the newest migration: the snapshot of the journal's LAST entry, in the
 * current format, or null when the journal is empty (the schema is then empty). The journal
 * decides, as drizzle-kit's generator decides, so generate, check and drift always read the same
 * file: a snapshot numbered higher than the last entry belongs to no migration and is ignored
 * (check reports it). A last entry without its snapshot is an error, because any older snapshot
 * would describe a schema without that migration.
 */
export function newestSnapshot(dir: string, journal: Journal = readJournal(dir)): SnapshotFile | null {
  const last = journal.entries.at(-1);
  if (!last) return null;
  const found = entrySnapshot(dir, last);
  if (!found) {
    throw new DbshipError('MIGRATIONS_DIR_INVALID', `the newest migration "${last.tag}" has no snapshot (${path.join(META_DIR, path.basename(snapshotPath(dir, last.idx)))})`, {
      why: 'the snapshot records the schema after each migration; without it the models of this build are unknown, and the next diff would start from a wrong state.',
      fix: 'restore the snapshot from version control, or delete the migration and generate it again.',
    });
  }
  return { ...found, snapshot: requireCurrent(found.snapshot, found.path) };
}

function invalid(file: string, what: string, why: string, extra: { cause?: unknown; fix?: string } = {}): DbshipError {
  return new DbshipError('MIGRATIONS_DIR_INVALID', `the snapshot ${file} ${what}`, {
    cause: extra.cause,
    why,
    fix: extra.fix ?? 'restore the snapshot from version control, or regenerate the newest migration with `dbship generate`.',
  });
}
