import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DbshipError, loadRequiredMigrations } from 'dbship/service';

/** The file `npm run build` writes next to the compiled form of this module. */
export const BUILD_MIGRATION_FILE = 'build-migration.json';

/** What the build records: the migration `/readyz` waits for. */
export interface BuildMigrationRecord {
  readonly newestMigration: string;
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
  const record = path.join(recordDir, BUILD_MIGRATION_FILE);
  if (existsSync(record)) return readRecord(record);
  return loadRequiredMigrations(migrationsDir, { strict: false, warn }).at(-1)!.name;
}

function readRecord(file: string): string {
  let parsed: Partial<BuildMigrationRecord> | undefined;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<BuildMigrationRecord>;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed?.newestMigration === 'string' && parsed.newestMigration !== '') return parsed.newestMigration;
  throw new DbshipError('CONFIG_INVALID', `${file} does not name this build's newest migration`, {
    why: 'the file is written by `npm run build` and was damaged or edited afterwards.',
    fix: 'rebuild the service (`npm run build`, or the image).',
  });
}
