import path from 'node:path';

/**
 * Where drizzle-kit's folder format keeps each part of a migration. One place knows the layout:
 * the journal, `NNNN_name.sql`, dbship's `NNNN_name.down.sql` and `meta/NNNN_snapshot.json`.
 */

/** The journal, relative to the migrations folder. */
export const JOURNAL_PATH = path.join('meta', '_journal.json');

/** The snapshots' folder, relative to the migrations folder. */
export const META_DIR = 'meta';

const UP_SUFFIX = '.sql';
const DOWN_SUFFIX = '.down.sql';
const INDEX_WIDTH = 4;

/** `0003` for journal index 3: drizzle-kit pads the index to four digits (more when it grows). */
function padded(index: number): string {
  return String(index).padStart(INDEX_WIDTH, '0');
}

/** `NNNN_name`, the journal tag of the migration at journal index `index`. */
export function migrationTag(index: number, name: string): string {
  return `${padded(index)}_${name}`;
}

/** `meta/0003_snapshot.json`'s file name for journal index 3. */
export function snapshotFileName(index: number): string {
  return `${padded(index)}_snapshot.json`;
}

/** The up file of the migration tagged `tag`. */
export function upPath(dir: string, tag: string): string {
  return path.join(dir, `${tag}${UP_SUFFIX}`);
}

/** The down file of the migration tagged `tag` (dbship's addition to drizzle-kit's format). */
export function downPath(dir: string, tag: string): string {
  return path.join(dir, `${tag}${DOWN_SUFFIX}`);
}

/** The snapshot written with the migration at journal index `index`. */
export function snapshotPath(dir: string, index: number): string {
  return path.join(dir, META_DIR, snapshotFileName(index));
}

/** Where the three files of one migration live. */
export interface MigrationPaths {
  readonly up: string;
  readonly down: string;
  readonly snapshot: string;
}

/** The up, down and snapshot files of the migration tagged `tag` at journal index `index`. */
export function migrationPaths(dir: string, tag: string, index: number): MigrationPaths {
  return { up: upPath(dir, tag), down: downPath(dir, tag), snapshot: snapshotPath(dir, index) };
}

/** The journal of the folder `dir`. */
export function journalPath(dir: string): string {
  return path.join(dir, JOURNAL_PATH);
}

/** True for `NNNN_name.down.sql` (a file `dbship downgrade` runs), by its name alone. */
export function isDownFile(file: string): boolean {
  return file.endsWith(DOWN_SUFFIX);
}

/** The up file a down file undoes (`x.down.sql` -> `x.sql`), or undefined for an up file. */
export function upFileOf(file: string): string | undefined {
  return isDownFile(file) ? file.slice(0, -DOWN_SUFFIX.length) + UP_SUFFIX : undefined;
}

/** A migration SQL file's name, taken apart. */
export interface MigrationFileName {
  /** The journal tag (`0003_add_bio`), without `.sql` / `.down.sql`. */
  readonly tag: string;
  /** The `NNNN` prefix as a number, or null when the name has none. */
  readonly index: number | null;
  readonly kind: 'up' | 'down';
}

/** `0003_add_bio.down.sql` -> tag `0003_add_bio`, index 3, kind down; undefined for a non-`.sql` file. */
export function parseMigrationFileName(file: string): MigrationFileName | undefined {
  const base = path.basename(file);
  if (!base.endsWith(UP_SUFFIX)) return undefined;
  const kind = isDownFile(base) ? 'down' : 'up';
  const tag = base.slice(0, -(kind === 'down' ? DOWN_SUFFIX : UP_SUFFIX).length);
  const m = /^(\d+)_/.exec(tag);
  return { tag, index: m ? Number(m[1]) : null, kind };
}

/** `0003_add_bio` -> `add_bio`: the name a person types, without the journal index. */
export function withoutIndex(tag: string): string {
  return tag.replace(/^\d+_/, '');
}

/**
 * The item `name` refers to: the one whose tag is `name`, else the first whose tag without its
 * `NNNN_` prefix is `name` (so `--to add_bio` finds `0003_add_bio`).
 */
export function findByName<T>(items: readonly T[], name: string, tagOf: (item: T) => string): T | undefined {
  return items.find((i) => tagOf(i) === name) ?? items.find((i) => withoutIndex(tagOf(i)) === name);
}

/** True when `name` is `tag`, or `tag` without its `NNNN_` prefix. */
export function matchesName(tag: string, name: string): boolean {
  return tag === name || withoutIndex(tag) === name;
}
