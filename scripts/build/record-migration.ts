/**
 * The last step of `npm run build`: records this build's newest migration (and the one `/readyz`
 * waits for, which skips trailing contract steps of online changes) where the compiled
 * service reads it (see src/app/health/build-migration.ts), so `/readyz` waits for the migration
 * the image was built with, wherever the process starts. A missing or empty migrations folder
 * fails the build (exit 2) with the engine's own message.
 *
 *   tsx scripts/build/record-migration.ts [migrations-dir] [output-file]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DbshipError } from 'dbship';
import { BUILD_MIGRATION_FILE, recordOf, type BuildMigrationRecord } from '../../src/app/health/build-migration.js';

const [dir = 'migrations', out = path.join('dist', 'app', 'health', BUILD_MIGRATION_FILE)] = process.argv.slice(2);
try {
  const record: BuildMigrationRecord = recordOf(path.resolve(dir), (message) => console.warn(`warning: ${message}`));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  console.log(`recorded the build's newest migration ${record.newestMigration} in ${out}`);
} catch (err) {
  if (!(err instanceof DbshipError)) throw err;
  console.error(err.format());
  process.exitCode = err.exitCode;
}
