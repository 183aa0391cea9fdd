import type pg from 'pg';
import { connectionReason, isConnectionState, isUndefinedRelation, sqlState, SqlState } from '../../db/sqlstate.js';
import { trackingNames, type TrackingNames } from './tracking-names.js';

/** Whether the database schema can serve this build (the app's `/readyz` answer). */
export type SchemaReadiness =
  | { readonly ready: true; readonly migration: string | null }
  | { readonly ready: false; readonly reason: string };

/** The part of `pg.Pool` / `pg.Client` readiness needs. */
export type ReadinessQueryable = Pick<pg.Pool, 'query'>;

/**
 * Is the database reachable and its schema at or ahead of this build? True when the build's
 * newest migration (`newestMigration`, the last journal entry) is recorded in the tracking table
 * (`<trackingSchema>.migrations`, default `dbship.migrations`);
 * migrations recorded after it (a newer release, then a rollback) do not matter. A build with no
 * migrations only needs a reachable database.
 *
 * The ready path is one primary-key lookup; only a not-ready answer reads more to explain itself.
 * Never throws: every failure becomes `{ ready: false, reason }`, a reason without secrets.
 */
export async function schemaReadiness(pool: ReadinessQueryable, newestMigration: string | null, trackingSchema = 'dbship'): Promise<SchemaReadiness> {
  const t = trackingNames(trackingSchema);
  try {
    if (newestMigration === null) {
      await pool.query('SELECT 1');
      return { ready: true, migration: null };
    }
    const { rows } = await pool.query<{ applied: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${t.migrations} WHERE name = $1) AS applied`,
      [newestMigration],
    );
    if (rows[0]?.applied === true) return { ready: true, migration: newestMigration };
    const latest = await latestApplied(pool, t);
    const has = latest === null ? 'the database has none applied' : `database has ${latest}`;
    return { ready: false, reason: `migration ${newestMigration} not applied yet (${has})` };
  } catch (err) {
    return { ready: false, reason: failureReason(err, t) };
  }
}

async function latestApplied(pool: ReadinessQueryable, t: TrackingNames): Promise<string | null> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT name FROM ${t.migrations} ORDER BY applied_at DESC, name DESC LIMIT 1`,
  );
  return rows[0]?.name ?? null;
}

/** Why the check failed, in words an operator can act on. */
export function failureReason(err: unknown, t: TrackingNames = trackingNames()): string {
  const state = sqlState(err);
  if (isUndefinedRelation(err)) {
    return 'no migrations applied: the dbship tracking table does not exist';
  }
  if (state === SqlState.InsufficientPrivilege) {
    return `permission denied reading ${t.schemaName}.migrations: grant the app's role USAGE on schema ${t.schemaName} and SELECT on ${t.schemaName}.migrations`;
  }
  if (state !== undefined && !isConnectionState(state)) return `readiness query failed (SQLSTATE ${state})`;
  return `database unreachable: ${connectionReason(err)}`;
}
