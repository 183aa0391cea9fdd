import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DbshipError, loadRequiredMigrations, readinessTarget } from 'dbship/service';

/** The file `npm run build` writes next to the compiled form of this module. */
export const BUILD_MIGRATION_FILE = 'build-migration.json';

/** What the build records: the migration `/readyz` waits for. */
export interface BuildMigrationRecord {
  /** The build's newest migration: its schema version, registered by the release heartbeat. */
  readonly newestMigration: string;
  /**
   * The migration `/readyz` waits for: the newest one not counting trailing contract steps of
   * online changes, which wait until the previous release is gone (docs/online-changes.md).
   * Absent in a record written before online changes: the newest one.
   */
  readonly readyMigration?: string;
}

/** The two migrations of a build the service needs: its version and its readiness target. */
export interface BuildMigrations {
  readonly newest: string;
  readonly ready: string;
}

/**
 * This build's newest migration, the one `/readyz` waits for. The compiled service reads what
 * `npm run build` recorded beside this module (`dist/app/health/build-migration.json`), so the
 * answer is fixed when the image is built and does not depend on the working directory. Run from
 * source (tsx: development and tests) there is no record, and the migrations folder is read; a
 * missing or empty folder fails with `MIGRATIONS_DIR_MISSING` (exit 2) instead of making any
 * database "ready".
 */
export function newestBuildMigration(migrationsDir: string, warn: (message: string) => void, recordDir: string = import.meta.dirname): string {
  return buildMigrations(migrationsDir, warn, recordDir).newest;
}

/** {@link newestBuildMigration}, and the migration `/readyz` waits for (see {@link BuildMigrationRecord}). */
export function buildMigrations(migrationsDir: string, warn: (message: string) => void, recordDir: string = import.meta.dirname): BuildMigrations {
  const record = path.join(recordDir, BUILD_MIGRATION_FILE);
  if (existsSync(record)) return readRecord(record);
  return fromFolder(migrationsDir, warn);
}

/** What the build records, computed from the migrations folder. */
export function recordOf(migrationsDir: string, warn: (message: string) => void): BuildMigrationRecord {
  const found = fromFolder(migrationsDir, warn);
  return { newestMigration: found.newest, readyMigration: found.ready };
}

function fromFolder(migrationsDir: string, warn: (message: string) => void): BuildMigrations {
  const files = loadRequiredMigrations(migrationsDir, { strict: false, warn });
  return { newest: files.at(-1)!.name, ready: readinessTarget(files)!.name };
}

function readRecord(file: string): BuildMigrations {
  let parsed: Partial<BuildMigrationRecord> | undefined;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<BuildMigrationRecord>;
  } catch {
    parsed = undefined;
  }
  const newest = parsed?.newestMigration;
  const ready = parsed?.readyMigration ?? newest;
  if (typeof newest === 'string' && newest !== '' && typeof ready === 'string' && ready !== '') return { newest, ready };
  throw new DbshipError('CONFIG_INVALID', `${file} does not name this build's newest migration`, {
    why: 'the file is written by `npm run build` and was damaged or edited afterwards.',
    fix: 'rebuild the service (`npm run build`, or the image).',
  });
}
