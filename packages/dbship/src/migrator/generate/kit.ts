import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { DbshipError } from '../../errors.js';
import { modelsError } from './model-error.js';
import { findRenameAmbiguities, type RenameAmbiguity } from './renames.js';
import type { Snapshot } from '../folder/snapshot.js';

/** The two functions of `drizzle-kit/api` that generate uses (its diff engine). */
export interface DrizzleKit {
  generateDrizzleJson(models: Record<string, unknown>, prevId?: string): Snapshot;
  generateMigration(prev: Snapshot, cur: Snapshot): Promise<string[]>;
}

/**
 * Loads drizzle-kit lazily: it is a development dependency and is absent from the production
 * image, where every verb but `generate` must still work.
 */
export async function loadDrizzleKit(verb = 'generate'): Promise<DrizzleKit> {
  let api: DrizzleKit;
  try {
    api = (await import('drizzle-kit/api')) as unknown as DrizzleKit;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') {
      throw new DbshipError('GENERATE_FAILED', 'drizzle-kit is installed but failed to load', {
        cause: err,
        why: err instanceof Error ? err.message : String(err),
        fix: 'reinstall the development dependencies (`npm ci`) and run the command again.',
      });
    }
    throw new DbshipError('GENERATE_FAILED', `drizzle-kit is not installed, and \`dbship ${verb}\` needs it`, {
      cause: err,
      why: `${verb} is a development-time verb: it diffs the models with drizzle-kit, a dev dependency that production images do not ship.`,
      fix: `run \`dbship ${verb}\` in a development checkout or CI job after \`npm ci\` (with dev dependencies).`,
    });
  }
  return { generateDrizzleJson: api.generateDrizzleJson, generateMigration: api.generateMigration };
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
export async function diffModels(schemaPath: string, prev: Snapshot, verb = 'generate'): Promise<ModelDiff> {
  const kit = await loadDrizzleKit(verb);
  const models = await loadModels(schemaPath);
  let cur: Snapshot;
  try {
    // drizzle-kit calls the tables' index and constraint callbacks here: their errors are the user's.
    cur = kit.generateDrizzleJson(models, prev.id);
  } catch (err) {
    throw modelsError(err, schemaPath);
  }
  const ambiguities = findRenameAmbiguities(prev, cur);
  const up = ambiguities.length > 0 ? [] : await kit.generateMigration(prev, cur);
  return { kit, cur, ambiguities, up };
}

/**
 * Imports the models module (a `.ts` file works because `npm run db` runs under tsx). Every
 * export is handed to drizzle-kit, which picks out the tables, enums, sequences and views.
 */
export async function loadModels(schemaPath: string): Promise<Record<string, unknown>> {
  if (!existsSync(schemaPath)) {
    throw new DbshipError('GENERATE_FAILED', `the models module ${schemaPath} does not exist`, {
      fix: 'pass the file that defines your drizzle tables with --schema <path> (default src/db/schema.ts).',
    });
  }
  try {
    return { ...((await import(pathToFileURL(schemaPath).href)) as Record<string, unknown>) };
  } catch (err) {
    throw modelsError(err, schemaPath);
  }
}
