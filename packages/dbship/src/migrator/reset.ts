import { describeDb } from '../config/db-connection.js';
import type { EngineSettings } from '../settings.js';
import { quoteIdent } from '../db/pool.js';
import { newestSnapshot } from './folder/snapshot.js';
import type { EngineEvent } from './runtime/events.js';
import { migrationDb, withLockedSession } from './runtime/session.js';

export interface ResetOptions {
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((e: EngineEvent) => void) | undefined;
}

export interface ResetResult {
  /** The database wiped, without password (`postgres://user@host:port/name`). */
  readonly database: string;
  /** The schemas dropped (those that existed), the tracking schema last. */
  readonly dropped: string[];
}

/**
 * The schemas a reset drops: `public`, every schema the models use (from the newest snapshot),
 * and dbship's tracking schema. Never `pg_*`, `information_schema` or other tools' schemas.
 */
export function resetSchemas(config: EngineSettings): string[] {
  let modelSchemas: string[] = [];
  try {
    const snapshot = newestSnapshot(config.migrations.dir)?.snapshot;
    if (snapshot) modelSchemas = [...Object.keys(snapshot.schemas ?? {}), ...Object.values(snapshot.tables ?? {}).map((t) => t.schema || 'public')];
  } catch {
    // An unreadable folder still leaves public and the tracking schema to reset.
  }
  return [...new Set(['public', ...modelSchemas.filter((s) => !/^(pg_|information_schema$)/.test(s)), config.migrations.trackingSchema])];
}

/**
 * Starts a development database over: drops the app's schemas and dbship's tracking schema
 * (CASCADE) and recreates an empty `public`, in one transaction under the migration lock, so
 * that `upgrade` then applies this build's migrations from the start. Whether the database may
 * be wiped is the caller's decision (the CLI allows the local one, others only with --force).
 */
export async function reset(config: EngineSettings, options: ResetOptions = {}): Promise<ResetResult> {
  const wanted = resetSchemas(config);
  const database = describeDb(migrationDb(config));
  return withLockedSession(config, options, async ({ client }) => {
    const { rows } = await client.query<{ name: string }>('SELECT nspname AS name FROM pg_namespace WHERE nspname = ANY($1::text[])', [wanted]);
    const dropped = wanted.filter((s) => rows.some((r) => r.name === s));
    await client.query('BEGIN');
    try {
      for (const schema of dropped) await client.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
      // As a fresh database has it: everyone may use public; its owner (the migration role) creates in it.
      await client.query('CREATE SCHEMA public; GRANT USAGE ON SCHEMA public TO PUBLIC');
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
    return { database, dropped };
  });
}
