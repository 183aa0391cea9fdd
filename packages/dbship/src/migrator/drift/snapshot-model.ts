import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DbshipError } from '../../errors.js';

/**
 * The parts of a drizzle-kit PostgreSQL snapshot (`migrations/meta/NNNN_snapshot.json`, format
 * version 7) that drift detection reads. drizzle-kit writes one per migration; the newest one is
 * the models as of the newest migration, and `dbship check` guarantees it equals the models.
 */
export interface DrizzleSnapshot {
  readonly version: string;
  readonly dialect: string;
  readonly tables: Readonly<Record<string, SnapshotTable>>;
  readonly enums?: Readonly<Record<string, SnapshotEnum>>;
  readonly schemas?: Readonly<Record<string, string>>;
  readonly sequences?: Readonly<Record<string, SnapshotSequence>>;
}

export interface SnapshotTable {
  readonly name: string;
  /** `''` means `public`. */
  readonly schema: string;
  readonly columns: Readonly<Record<string, SnapshotColumn>>;
  readonly indexes?: Readonly<Record<string, SnapshotIndex>>;
  readonly foreignKeys?: Readonly<Record<string, SnapshotForeignKey>>;
  readonly compositePrimaryKeys?: Readonly<Record<string, { name: string; columns: string[] }>>;
  readonly uniqueConstraints?: Readonly<Record<string, { name: string; columns: string[]; nullsNotDistinct?: boolean }>>;
  readonly checkConstraints?: Readonly<Record<string, { name: string; value: string }>>;
}

export interface SnapshotColumn {
  readonly name: string;
  readonly type: string;
  /** Set for enum columns: the enum's schema. */
  readonly typeSchema?: string;
  readonly primaryKey: boolean;
  readonly notNull: boolean;
  readonly default?: string | number | boolean;
  readonly identity?: { type: 'always' | 'byDefault' } & SnapshotSequenceOptions;
  readonly generated?: { as: string; type: string };
  readonly isUnique?: boolean;
  readonly uniqueName?: string;
  readonly nullsNotDistinct?: boolean;
}

export interface SnapshotIndex {
  readonly name: string;
  readonly columns: readonly { expression: string; isExpression: boolean; asc: boolean; nulls?: string; opclass?: string }[];
  readonly isUnique: boolean;
  readonly method?: string;
  readonly where?: string;
  readonly with?: Readonly<Record<string, unknown>>;
}

export interface SnapshotForeignKey {
  readonly name: string;
  readonly tableFrom: string;
  readonly tableTo: string;
  readonly schemaTo?: string;
  readonly columnsFrom: readonly string[];
  readonly columnsTo: readonly string[];
  readonly onDelete?: string;
  readonly onUpdate?: string;
}

export interface SnapshotEnum {
  readonly name: string;
  readonly schema: string;
  readonly values: readonly string[];
}

export interface SnapshotSequenceOptions {
  readonly increment?: string;
  readonly startWith?: string;
  readonly minValue?: string;
  readonly maxValue?: string;
  readonly cache?: string;
  readonly cycle?: boolean;
}

export interface SnapshotSequence extends SnapshotSequenceOptions {
  readonly name: string;
  readonly schema: string;
}

/** A snapshot and the file it came from. */
export interface SnapshotFile {
  readonly path: string;
  readonly snapshot: DrizzleSnapshot;
}

const SNAPSHOT_FILE = /^(\d+)_snapshot\.json$/;

/**
 * Reads the newest snapshot (highest `NNNN`) in `<dir>/meta/`, or null when there is none
 * (a project before its first migration: the expected schema is empty). A snapshot that cannot
 * be read or is not a PostgreSQL version 7 snapshot is a `MIGRATIONS_DIR_INVALID` error.
 */
export function readNewestSnapshot(dir: string): SnapshotFile | null {
  const meta = path.join(dir, 'meta');
  if (!existsSync(meta)) return null;
  const newest = readdirSync(meta)
    .map((f) => ({ f, m: SNAPSHOT_FILE.exec(f) }))
    .filter((x) => x.m !== null)
    .sort((a, b) => Number(b.m![1]) - Number(a.m![1]))[0];
  if (!newest) return null;
  const file = path.join(meta, newest.f);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw invalid(file, 'is not valid JSON', 'a merge conflict or a hand edit broke it.', err);
  }
  return { path: file, snapshot: validateSnapshot(parsed, file) };
}

/** Checks the shape drift relies on; throws `MIGRATIONS_DIR_INVALID` naming the file and the problem. */
export function validateSnapshot(value: unknown, file: string): DrizzleSnapshot {
  const s = value as Partial<DrizzleSnapshot> | null;
  if (typeof s !== 'object' || s === null) throw invalid(file, 'is not a JSON object', 'the file is not a drizzle-kit snapshot.');
  if (s.dialect !== 'postgresql') {
    throw invalid(file, `is a snapshot for dialect "${String(s.dialect)}"`, 'dbship works with PostgreSQL snapshots only.');
  }
  if (s.version !== '7') {
    throw invalid(file, `has snapshot format version "${String(s.version)}"; dbship reads version 7`, 'it was written by an older drizzle-kit.', undefined,
      'upgrade the snapshots with `npx drizzle-kit up`, review and commit the result.');
  }
  if (typeof s.tables !== 'object' || s.tables === null) throw invalid(file, 'has no "tables" object', 'the file is truncated or hand-edited.');
  for (const [key, t] of Object.entries(s.tables)) {
    if (typeof t?.name !== 'string' || typeof t.columns !== 'object' || t.columns === null) {
      throw invalid(file, `has a malformed table entry "${key}" (no name or no columns)`, 'the file is truncated or hand-edited.');
    }
    for (const [ck, c] of Object.entries(t.columns)) {
      if (typeof c?.name !== 'string' || typeof c.type !== 'string') {
        throw invalid(file, `has a malformed column "${key}.${ck}" (no name or no type)`, 'the file is truncated or hand-edited.');
      }
    }
  }
  return s as DrizzleSnapshot;
}

function invalid(file: string, what: string, why: string, cause?: unknown, fix?: string): DbshipError {
  return new DbshipError('MIGRATIONS_DIR_INVALID', `the snapshot ${file} ${what}`, {
    cause,
    why,
    fix: fix ?? 'restore the snapshot from version control, or regenerate the newest migration with `dbship generate`.',
  });
}
