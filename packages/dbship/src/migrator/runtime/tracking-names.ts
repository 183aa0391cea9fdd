import { escapeIdentifier } from 'pg';

/** The default schema of dbship's tracking tables (`DBSHIP_SCHEMA`). */
export const DEFAULT_TRACKING_SCHEMA = 'dbship';

/** dbship's own tables in one schema, as SQL text (quoted), plus the bare schema name. */
export interface TrackingNames {
  readonly schemaName: string;
  readonly schema: string;
  readonly migrations: string;
  readonly history: string;
  readonly lockHolder: string;
  /** The release heartbeat: which builds (by their newest migration) serve right now. */
  readonly releases: string;
  /** Progress of online backfills, committed with each batch. */
  readonly backfills: string;
  /** Units committed by a run of a no-transaction migration that stopped part-way (unit-progress.ts). */
  readonly unitProgress: string;
}

/** The quoted names of the tracking tables in `schema`. */
export function trackingNames(schema: string = DEFAULT_TRACKING_SCHEMA): TrackingNames {
  const s = escapeIdentifier(schema);
  return { schemaName: schema, schema: s, migrations: `${s}.migrations`, history: `${s}.history`, lockHolder: `${s}.lock_holder`, releases: `${s}.releases`, backfills: `${s}.backfills`, unitProgress: `${s}.unit_progress` };
}

const bySession = new WeakMap<object, TrackingNames>();

/**
 * Binds a session to the tracking schema of its settings. The engine opens every connection in
 * one place (`openClient`) and binds it there, so the many functions that take a client find the
 * configured schema without each growing a parameter. An unbound client uses the default.
 */
export function bindTrackingSchema(client: object, schema: string): void {
  bySession.set(client, trackingNames(schema));
}

/** The tracking tables of the session `client` belongs to. */
export function trackingOf(client: object): TrackingNames {
  return bySession.get(client) ?? trackingNames();
}
