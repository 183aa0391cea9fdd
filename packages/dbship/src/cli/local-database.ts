import type { DbConnection } from '../config/db-connection.js';
import type { EngineSettings } from '../settings.js';

/** The shape of `dev/local-db.ts`, declared here so that the build does not pull it in. */
interface LocalDbModule {
  localDatabase(cwd: string): Promise<{ db: DbConnection; how: string; release(): Promise<void> }>;
}

/** The configuration to run with, and whether its database is the local development one. */
export interface AttachedDatabase {
  readonly config: EngineSettings;
  readonly local: boolean;
  release?(): Promise<void>;
}

/**
 * In a development checkout with no database configured, use the embedded PostgreSQL (the one a
 * running `npm start` advertises, or one started for this command). The module is loaded by URL
 * so that the production build, which has no `dev/` folder, never includes it: there a missing
 * database stays the configuration error it is.
 */
export async function attachLocalDatabase(config: EngineSettings, cwd: string, err: (line: string) => void): Promise<AttachedDatabase> {
  if (config.db) return { config, local: false };
  let mod: LocalDbModule;
  try {
    mod = (await import(new URL('../dev/local-db.js', import.meta.url).href)) as LocalDbModule;
  } catch {
    return { config, local: false };
  }
  const local = await mod.localDatabase(cwd);
  err(`no database configured: using ${local.how}`);
  return { config: Object.freeze({ ...config, db: local.db }), local: true, release: () => local.release() };
}
