import { existsSync } from 'node:fs';
import { displayPath } from '../../display-path.js';
import { DbshipError } from '../../errors.js';
import { importPeer } from '../../peers.js';
import { importProjectModule } from '../../project/load-module.js';
import { modelsError } from './model-error.js';
import { findRenameAmbiguities, type RenameAmbiguity } from './renames.js';
import type { Snapshot } from '../folder/snapshot.js';

/** The functions of `drizzle-kit/api` that generate and init use (its diff engine). */
export interface DrizzleKit {
  generateDrizzleJson(models: Record<string, unknown>, prevId?: string): Snapshot;
  generateMigration(prev: Snapshot, cur: Snapshot): Promise<string[]>;
  /** Converts a format 5 or 6 snapshot to format 7 (`drizzle-kit up`, in memory); absent in old releases. */
  upPgSnapshot?: ((snapshot: Snapshot) => Snapshot) | undefined;
}

/**
 * Loads drizzle-kit lazily: it is an optional peer dependency, absent from production images,
 * where every verb but `generate`, `check` and `init` must still work.
 */
export async function loadDrizzleKit(verb = 'generate'): Promise<DrizzleKit> {
  const api = await importPeer<DrizzleKit>('drizzle-kit', 'drizzle-kit/api', {
    code: 'GENERATE_FAILED',
    needs: `\`dbship ${verb}\``,
    otherwise: 'production images need not include it: every other verb works without it',
  });
  return { generateDrizzleJson: api.generateDrizzleJson, generateMigration: api.generateMigration, upPgSnapshot: api.upPgSnapshot };
}

/** The models compared with a snapshot. */
export interface ModelDiff {
  readonly kit: DrizzleKit;
  /** The models as a snapshot, linked after `prev`. */
  readonly cur: Snapshot;
  /** Removed-and-added objects: when any, `up` is empty because the diff was not run. */
  readonly ambiguities: RenameAmbiguity[];
  /** drizzle-kit's SQL from `prev` to the models (empty: in sync). */
  readonly up: string[];
}

/**
 * Diffs the models module against `prev`. The rename ambiguities are detected first and the
 * diff is skipped when there are any: drizzle-kit would stop and ask on the terminal, and wait
 * forever in CI or a git hook.
 */
export async function diffModels(schemaPath: string, prev: Snapshot, verb = 'generate', cwd?: string): Promise<ModelDiff> {
  const kit = await loadDrizzleKit(verb);
  const models = await loadModels(schemaPath, cwd);
  let cur: Snapshot;
  try {
    // drizzle-kit calls the tables' index and constraint callbacks here: their errors are the user's.
    cur = kit.generateDrizzleJson(models, prev.id);
  } catch (err) {
    throw modelsError(err, schemaPath, cwd);
  }
  const ambiguities = findRenameAmbiguities(prev, cur);
  const up = ambiguities.length > 0 ? [] : await kit.generateMigration(prev, cur);
  return { kit, cur, ambiguities, up };
}

/**
 * Imports the models module (TypeScript through tsx, from the built CLI too). Every export is
 * handed to drizzle-kit, which picks out the tables, enums, sequences and views. A failure to
 * load it is the user's, named with the file and line, or a missing loader, named as such.
 */
export async function loadModels(schemaPath: string, cwd?: string): Promise<Record<string, unknown>> {
  if (!existsSync(schemaPath)) {
    throw new DbshipError('GENERATE_FAILED', `the models module ${displayPath(schemaPath, cwd)} does not exist`, {
      fix: 'pass the file that defines your drizzle tables with --schema <path> (default src/db/schema.ts).',
    });
  }
  try {
    return { ...(await importProjectModule(schemaPath, cwd)) };
  } catch (err) {
    // An error thrown by the models' own code becomes MODELS_INVALID with its line and a caret;
    // a set-up problem (the file is missing, tsx is not installed) stays as the loader reported it.
    const own = err instanceof DbshipError && err.code === 'PROJECT_MODULE_FAILED' && err.cause !== undefined;
    throw modelsError(own ? err.cause : err, schemaPath, cwd);
  }
}
