import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DbshipError } from '../../errors.js';
import { readJournal } from './files.js';

/**
 * A drizzle-kit PostgreSQL snapshot (`meta/NNNN_snapshot.json`): the whole schema as the models
 * described it when the migration was generated. Only the fields dbship reads are typed; the rest
 * is kept as drizzle-kit wrote it.
 */
export interface Snapshot {
  id: string;
  prevId: string;
  version: string;
  dialect: string;
  tables: Record<string, SnapshotTable>;
  enums: Record<string, unknown>;
  schemas: Record<string, unknown>;
  sequences: Record<string, unknown>;
  roles: Record<string, unknown>;
  policies: Record<string, unknown>;
  views: Record<string, unknown>;
  [key: string]: unknown;
}

export interface SnapshotTable {
  name: string;
  schema: string;
  columns: Record<string, SnapshotColumn>;
  indexes: Record<string, SnapshotIndex>;
  foreignKeys: Record<string, unknown>;
  policies?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface SnapshotColumn {
  name: string;
  type: string;
  notNull: boolean;
  default?: unknown;
  [key: string]: unknown;
}

export interface SnapshotIndex {
  name: string;
  concurrently?: boolean;
  [key: string]: unknown;
}

/** drizzle-kit's id for "before the first migration": the first snapshot's prevId. */
export const ORIGIN_ID = '00000000-0000-0000-0000-000000000000';

/** The schema before the first migration, as drizzle-kit models it. */
export function emptySnapshot(): Snapshot {
  return {
    id: ORIGIN_ID,
    prevId: '',
    version: '7',
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

/** `meta/0003_snapshot.json` for journal index 3. */
export function snapshotFileName(index: number): string {
  return `${String(index).padStart(4, '0')}_snapshot.json`;
}

/** Reads and minimally validates one snapshot file. */
export function readSnapshot(file: string): Snapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DbshipError('MIGRATIONS_DIR_INVALID', `${file} is not a readable JSON snapshot`, {
      cause: err,
      why: 'a merge conflict or a hand edit broke the snapshot.',
      fix: 'restore it from version control; if the migration is yours and unmerged, delete it and run `dbship generate` again.',
    });
  }
  const s = parsed as Partial<Snapshot> | null;
  if (!s || typeof s !== 'object' || typeof s.id !== 'string' || typeof s.prevId !== 'string' || typeof s.tables !== 'object') {
    throw new DbshipError('MIGRATIONS_DIR_INVALID', `${file} is not a drizzle-kit PostgreSQL snapshot (no id, prevId or tables)`, {
      fix: 'restore it from version control.',
    });
  }
  return s as Snapshot;
}

/** One snapshot file found in `meta/`, with its journal index (from the file name). */
export interface SnapshotFile {
  readonly index: number;
  readonly file: string;
  readonly snapshot: Snapshot;
}

/** Every `meta/NNNN_snapshot.json` in the folder, by index. */
export function listSnapshots(dir: string): SnapshotFile[] {
  const meta = path.join(dir, 'meta');
  if (!existsSync(meta)) return [];
  return readdirSync(meta)
    .map((f) => ({ f, m: /^(\d{4,})_snapshot\.json$/.exec(f) }))
    .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
    .map(({ f, m }) => ({ index: Number(m[1]), file: path.join(meta, f), snapshot: readSnapshot(path.join(meta, f)) }))
    .sort((a, b) => a.index - b.index);
}

/**
 * The schema as of the newest migration: the snapshot of the journal's last entry, or the empty
 * schema when the journal has no entries. A journal entry without its snapshot is an error,
 * because diffing against an older one would regenerate changes that are already committed.
 */
export function newestSnapshot(dir: string): Snapshot {
  const entries = readJournal(dir).entries;
  const last = entries[entries.length - 1];
  if (!last) return emptySnapshot();
  const file = path.join(dir, 'meta', snapshotFileName(last.idx));
  if (!existsSync(file)) {
    throw new DbshipError('MIGRATIONS_DIR_INVALID', `the newest migration "${last.tag}" has no snapshot (meta/${snapshotFileName(last.idx)})`, {
      why: 'the snapshot records the schema after each migration; without it the next diff would start from a wrong state.',
      fix: 'restore the snapshot from version control, or delete the migration and generate it again.',
    });
  }
  return readSnapshot(file);
}
