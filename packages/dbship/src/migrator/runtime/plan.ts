import { DbshipError } from '../../errors.js';
import type { MigrationFile } from '../folder/files.js';
import { findByName } from '../folder/layout.js';
import type { AppliedMigration } from './tracking.js';

/**
 * - applied: recorded, file in the build with the same checksum
 * - modified: recorded, but the file's checksum changed since
 * - pending: in the build, not recorded
 * - missing: recorded, not in the build, yet older than migrations the build has (a deleted file)
 * - unknown: recorded after everything this build knows (the database is ahead: a rollback)
 */
export type MigrationState = 'applied' | 'modified' | 'pending' | 'missing' | 'unknown';

export interface StatusEntry {
  readonly name: string;
  readonly state: MigrationState;
  readonly file: MigrationFile | null;
  readonly applied: AppliedMigration | null;
  /** A pending file older than the newest applied one. */
  readonly outOfOrder: boolean;
}

export interface Analysis {
  readonly entries: StatusEntry[];
  readonly pending: MigrationFile[];
  readonly modified: StatusEntry[];
  readonly missing: StatusEntry[];
  readonly unknown: StatusEntry[];
  readonly outOfOrder: MigrationFile[];
}

/** Compares the build's files with the recorded rows, by NAME (never by timestamp). */
export function analyze(files: readonly MigrationFile[], applied: readonly AppliedMigration[]): Analysis {
  const byName = new Map(applied.map((a) => [a.name, a]));
  const inBuild = new Set(files.map((f) => f.name));
  const known = applied.filter((a) => inBuild.has(a.name));
  const maxKnownSeq = Math.max(-1, ...known.map((a) => a.seq));
  const maxAppliedIndex = Math.max(-1, ...files.filter((f) => byName.has(f.name)).map((f) => f.index));

  const entries: StatusEntry[] = files.map((file) => {
    const row = byName.get(file.name) ?? null;
    if (!row) return { name: file.name, state: 'pending', file, applied: null, outOfOrder: file.index < maxAppliedIndex };
    const state = row.checksum === file.checksum ? 'applied' : 'modified';
    return { name: file.name, state, file, applied: row, outOfOrder: false };
  });
  for (const row of applied) {
    if (inBuild.has(row.name)) continue;
    const state = row.seq > maxKnownSeq ? 'unknown' : 'missing';
    entries.push({ name: row.name, state, file: null, applied: row, outOfOrder: false });
  }
  const pick = (s: MigrationState) => entries.filter((e) => e.state === s);
  return {
    entries,
    pending: pick('pending').map((e) => e.file!),
    modified: pick('modified'),
    missing: pick('missing'),
    unknown: pick('unknown'),
    outOfOrder: entries.filter((e) => e.outOfOrder).map((e) => e.file!),
  };
}

export interface PlanOptions {
  /** Apply pending migrations up to and including this one. */
  readonly to?: string | undefined;
  readonly allowOutOfOrder: boolean;
  readonly strict: boolean;
}

/**
 * The migrations `upgrade` will apply, in build order, after the integrity rules: a changed or
 * deleted applied file, an out-of-order pending file, or (with `strict`) a database ahead of
 * the build stop the run before anything is applied (exit code 5).
 */
export function planUpgrade(files: readonly MigrationFile[], analysis: Analysis, options: PlanOptions): MigrationFile[] {
  assertIntegrity(analysis);
  if (analysis.unknown.length > 0 && options.strict) {
    throw new DbshipError('DATABASE_AHEAD', `the database has ${list(analysis.unknown.map((e) => e.name))} that this build does not know`, {
      why: 'a newer release migrated this database (this build is older, e.g. after a rollback), and --strict / MIGRATE_STRICT is set.',
      fix: 'deploy the newer build, or run without --strict to accept a database ahead of the build (the older pods keep working when migrations are expand-only).',
    });
  }
  if (analysis.unknown.length > 0 && analysis.pending.length > 0 && !options.allowOutOfOrder) {
    throw new DbshipError('DIVERGED', `the database and this build have diverged: the database has ${list(analysis.unknown.map((e) => e.name))} unknown to this build, and this build has pending ${list(analysis.pending.map((f) => f.name))}`, {
      why: 'two lines of development each added migrations; applying this build\'s on top of the other\'s was never tested.',
      fix: 'merge the branches and regenerate your migration after theirs, or pass --allow-out-of-order if you have checked they are independent.',
    });
  }
  if (analysis.outOfOrder.length > 0 && !options.allowOutOfOrder) {
    throw new DbshipError('OUT_OF_ORDER', `pending migration${analysis.outOfOrder.length > 1 ? 's' : ''} ${list(analysis.outOfOrder.map((f) => f.name))} ${analysis.outOfOrder.length > 1 ? 'are' : 'is'} older than already applied migrations`, {
      why: 'the file was merged after a later migration had been applied here; dbship plans by name and never skips such a file silently.',
      fix: 'regenerate it as the newest migration (rename to the next number in the journal), or pass --allow-out-of-order / set MIGRATE_ALLOW_OUT_OF_ORDER=true if it is independent of the later ones.',
    });
  }
  let pending = analysis.pending;
  if (options.to !== undefined) {
    const target = findInBuild(files, options.to);
    pending = pending.filter((f) => f.index <= target.index);
  }
  return pending;
}

/** Refuses changed and deleted applied files (exit code 5). */
export function assertIntegrity(analysis: Analysis): void {
  if (analysis.modified.length > 0) {
    throw new DbshipError('CHECKSUM_MISMATCH', `applied migration${analysis.modified.length > 1 ? 's' : ''} ${list(analysis.modified.map((e) => e.name))} changed since ${analysis.modified.length > 1 ? 'they were' : 'it was'} applied`, {
      details: analysis.modified.map((e) => `${e.name}: recorded ${e.applied!.checksum.slice(0, 12)}, file ${e.file!.checksum.slice(0, 12)}`),
      why: 'an applied migration was edited; the database did not run the new content. Nothing was applied.',
      fix: 'restore the file from version control and put the change in a new migration; or, if the edit is only cosmetic, accept it with `dbship repair --reason "..."`.',
    });
  }
  if (analysis.missing.length > 0) {
    throw new DbshipError('MISSING_FILE', `applied migration${analysis.missing.length > 1 ? 's' : ''} ${list(analysis.missing.map((e) => e.name))} ${analysis.missing.length > 1 ? 'are' : 'is'} missing from this build, though later ones are present`, {
      why: 'a migration file was deleted or renamed after it was applied. Nothing was applied.',
      fix: 'restore the file (same name and content) from version control.',
    });
  }
}

export function findInBuild(files: readonly MigrationFile[], name: string): MigrationFile {
  const file = findByName(files, name, (f) => f.name);
  if (!file) {
    throw new DbshipError('UNKNOWN_MIGRATION', `no migration named "${name}" in this build`, {
      fix: `use one of: ${someNames(files, name)}.`,
    });
  }
  return file;
}

/**
 * The build's migration names for a message: all of them when there are few; else those that
 * contain `name` and the newest, with where to see the rest (a real history has hundreds).
 */
function someNames(files: readonly MigrationFile[], name: string): string {
  if (files.length === 0) return '(none)';
  if (files.length <= 10) return files.map((f) => f.name).join(', ');
  const needle = name.toLowerCase();
  const close = files.filter((f) => f.name.toLowerCase().includes(needle)).slice(0, 5);
  const newest = files.slice(-3).filter((f) => !close.includes(f));
  return `${[...close, ...newest].map((f) => f.name).join(', ')} (\`dbship status\` lists all ${files.length})`;
}

function list(names: string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}
