import type { EngineSettings } from '../settings.js';

/** The configuration to run with, and whether its database is the local development one. */
export interface AttachedDatabase {
  readonly config: EngineSettings;
  readonly local: boolean;
  release?(): Promise<void>;
}

/**
 * In a development checkout with no database configured, use the embedded PostgreSQL (the one a
 * running `npm start` advertises, or one started for this command). The module is loaded only
 * then (and the built CLI's bundle initialises it only then); where it cannot be loaded, a
 * missing database stays the configuration error it is.
 */
export async function attachLocalDatabase(config: EngineSettings, cwd: string, err: (line: string) => void): Promise<AttachedDatabase> {
  if (config.db) return { config, local: false };
  let mod: typeof import('../dev/local-db.js');
  try {
    mod = await import('../dev/local-db.js');
  } catch {
    return { config, local: false };
  }
  const local = await mod.localDatabase(cwd);
  err(`no database configured: using ${local.how}`);
  return { config: Object.freeze({ ...config, db: local.db }), local: true, release: () => local.release() };
}
