import type pg from 'pg';
import { isUndefinedRelation, sqlState, SqlState } from './db/sqlstate.js';
import { trackingNames } from './migrator/runtime/tracking-names.js';

/** The part of `pg.Pool` the heartbeat needs. */
export type HeartbeatQueryable = Pick<pg.Pool, 'query'>;

export interface ReleaseHeartbeatOptions {
  /**
   * The build's schema version: the name of its newest migration (the journal's last entry), or
   * null for a build without migrations. The contract of an online change compares it with its
   * expand migration: a release whose version comes before the expand still uses the old shape.
   */
  readonly version: string | null;
  /** One running instance (pod name + pid): its row is refreshed, and deleted on a clean stop. */
  readonly instance: string;
  readonly image?: string | null | undefined;
  /** How often the row is refreshed (ms); keep it well under the deploy side's MIGRATE_RELEASE_WINDOW. */
  readonly intervalMs: number;
  /** dbship's tracking schema (`DBSHIP_SCHEMA`, default `dbship`). */
  readonly trackingSchema?: string | undefined;
  /** Told when a beat fails (never throws): a reason without secrets, and what to do. */
  readonly onError?: ((reason: string) => void) | undefined;
}

/** A running heartbeat. */
export interface ReleaseHeartbeat {
  /** Writes the row now; false when it failed (reported to `onError`). */
  beat(): Promise<boolean>;
  /** Stops the timer and deletes this instance's row, so a waiting contract need not wait for the window. */
  stop(): Promise<void>;
}

/**
 * Registers this running build in `<trackingSchema>.releases` now and every `intervalMs`: one row
 * per instance with the build's schema version and `last_seen`. `dbship deploy` runs the contract
 * step of an online change only when no instance of a release older than its expand step has been
 * seen within its window. A failing beat is reported and retried on the next tick; it never stops
 * the service (the contract then waits, which is the safe side).
 */
export function startReleaseHeartbeat(pool: HeartbeatQueryable, options: ReleaseHeartbeatOptions): ReleaseHeartbeat {
  const t = trackingNames(options.trackingSchema);
  let stopped = false;
  let inFlight: Promise<boolean> = Promise.resolve(true);
  const beat = (): Promise<boolean> => {
    if (stopped) return Promise.resolve(false);
    inFlight = pool
      .query(
        `INSERT INTO ${t.releases} (instance, version, image) VALUES ($1, $2, $3)
         ON CONFLICT (instance) DO UPDATE SET version = EXCLUDED.version, image = EXCLUDED.image, last_seen = now()`,
        [options.instance, options.version, options.image ?? null],
      )
      .then(() => true, (err: unknown) => {
        options.onError?.(heartbeatFailure(err, t.schemaName));
        return false;
      });
    return inFlight;
  };
  void beat();
  const timer = setInterval(() => void beat(), Math.max(100, options.intervalMs));
  timer.unref();
  return {
    beat,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await inFlight;
      await pool.query(`DELETE FROM ${t.releases} WHERE instance = $1`, [options.instance]).catch((err: unknown) => {
        options.onError?.(heartbeatFailure(err, t.schemaName));
      });
    },
  };
}

function heartbeatFailure(err: unknown, schema: string): string {
  if (isUndefinedRelation(err)) {
    return `release heartbeat: ${schema}.releases does not exist yet (the database was last migrated by an older dbship); the next \`dbship deploy\` creates it. Until then online contracts cannot see this release and wait.`;
  }
  const state = sqlState(err);
  if (state === SqlState.InsufficientPrivilege) {
    return `release heartbeat: permission denied on ${schema}.releases; grant the app's role SELECT, INSERT, UPDATE, DELETE on it (dbship deploy does when MIGRATE_DB_USER differs from DB_USER).`;
  }
  return `release heartbeat failed${state ? ` (SQLSTATE ${state})` : `: ${(err as Error)?.message ?? String(err)}`}; retried on the next beat.`;
}
