import { existsSync, statSync } from 'node:fs';
import { DbshipError } from '../../errors.js';
import { loadMigrations, type LoadOptions, type MigrationFile } from './files.js';
import { JOURNAL_PATH } from './layout.js';
import { displayPath } from '../../display-path.js';

/**
 * The build's migrations, for a verb that compares them with a database (upgrade, deploy,
 * downgrade, status, baseline, repair) and for the service's readiness. A folder that does not
 * exist, or holds no migration, is a configuration error (`MIGRATIONS_DIR_MISSING`, exit 2):
 * read as "no migrations", it would make `deploy` report success and let the app start against
 * a database nothing was applied to.
 */
export function loadRequiredMigrations(dir: string, options: LoadOptions): MigrationFile[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DbshipError('MIGRATIONS_DIR_MISSING', `the migrations folder ${displayPath(dir, options.cwd)} does not exist`, {
      why: 'MIGRATIONS_DIR (default: migrations/ in the working directory) names a folder that is not there: a typo, another working directory, or an image built without its migrations. Treating it as "nothing to apply" would let the app start against an unmigrated database.',
      fix: `set MIGRATIONS_DIR to the folder that holds ${JOURNAL_PATH} (or run from the project root), and make sure the image copies migrations/.`,
    });
  }
  const files = loadMigrations(dir, options);
  if (files.length === 0) {
    throw new DbshipError('MIGRATIONS_DIR_MISSING', `the migrations folder ${displayPath(dir, options.cwd)} has no migrations (${JOURNAL_PATH} is missing or lists none)`, {
      why: 'an empty folder is almost always the wrong one (MIGRATIONS_DIR, the working directory, or a build step that did not copy the files); treating it as "nothing to apply" would let the app start against an unmigrated database.',
      fix: `point MIGRATIONS_DIR at the folder with the migrations, or create the first one with \`dbship generate --name init\`.`,
    });
  }
  return files;
}
