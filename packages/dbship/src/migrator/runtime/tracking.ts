import type pg from 'pg';
import { isUndefinedRelation, sqlState, SqlState } from '../../db/sqlstate.js';
import { quoteLiteral } from '../../db/pool.js';
import { trackingOf, type TrackingNames } from './tracking-names.js';

/**
 * Creates the tracking tables when absent. Runs under the migration lock, so a fresh database
 * with 50 runners starting at once is bootstrapped exactly once.
 */
export function bootstrapSql(t: TrackingNames): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${t.schema};
CREATE TABLE IF NOT EXISTS ${t.migrations} (
  name          text PRIMARY KEY,
  checksum      text NOT NULL,
  applied_at    timestamptz NOT NULL DEFAULT now(),
  applied_by    text NOT NULL,
  image         text,
  duration_ms   integer NOT NULL,
  lock_wait_ms  integer NOT NULL,
  kind          text NOT NULL DEFAULT 'applied' CHECK (kind IN ('applied', 'baseline')),
  seq           bigint GENERATED ALWAYS AS IDENTITY
);
CREATE TABLE IF NOT EXISTS ${t.history} (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name               text NOT NULL,
  action             text NOT NULL CHECK (action IN ('apply', 'revert', 'baseline', 'repair')),
  checksum           text,
  previous_checksum  text,
  at                 timestamptz NOT NULL DEFAULT now(),
  by_host            text NOT NULL,
  image              text,
  duration_ms        integer,
  lock_wait_ms       integer,
  reason             text
);
CREATE TABLE IF NOT EXISTS ${t.lockHolder} (
  id           integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  host         text NOT NULL,
  pid          integer NOT NULL,
  image        text,
  backend_pid  integer NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${t.releases} (
  instance    text PRIMARY KEY,
  version     text,
  image       text,
  started_at  timestamptz NOT NULL DEFAULT now(),
  last_seen   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${t.backfills} (
  name        text PRIMARY KEY,
  last_key    text,
  rows_done   bigint NOT NULL DEFAULT 0,
  batches     integer NOT NULL DEFAULT 0,
  started_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${t.unitProgress} (
  name        text NOT NULL,
  direction   text NOT NULL,
  units_done  text[] NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, direction)
);
`;
}

/** A row of `dbship.migrations`. */
export interface AppliedMigration {
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: Date;
  readonly appliedBy: string;
  readonly image: string | null;
  readonly durationMs: number;
  readonly lockWaitMs: number;
  readonly kind: 'applied' | 'baseline';
  /** Application order. */
  readonly seq: number;
}

/** A row of `dbship.history`, the audit log. */
export interface HistoryEntry {
  readonly id: number;
  readonly name: string;
  readonly action: 'apply' | 'revert' | 'baseline' | 'repair';
  readonly checksum: string | null;
  readonly previousChecksum: string | null;
  readonly at: Date;
  readonly byHost: string;
  readonly image: string | null;
  readonly durationMs: number | null;
  readonly lockWaitMs: number | null;
  readonly reason: string | null;
}

export type Queryable = Pick<pg.ClientBase, 'query'>;

export async function bootstrap(client: Queryable): Promise<void> {
  await client.query(bootstrapSql(trackingOf(client)));
}

/** Applied migrations in application order; empty when the tracking table does not exist yet. */
export async function readApplied(client: Queryable): Promise<AppliedMigration[]> {
  try {
    const { rows } = await client.query(
      `SELECT name, checksum, applied_at, applied_by, image, duration_ms, lock_wait_ms, kind, seq
         FROM ${trackingOf(client).migrations} ORDER BY seq`,
    );
    return rows.map((r) => ({
      name: r.name,
      checksum: r.checksum,
      appliedAt: r.applied_at,
      appliedBy: r.applied_by,
      image: r.image,
      durationMs: r.duration_ms,
      lockWaitMs: r.lock_wait_ms,
      kind: r.kind,
      seq: Number(r.seq),
    }));
  } catch (err) {
    if (isUndefinedRelation(err)) return [];
    throw err;
  }
}

/** Who runs, as recorded in the tracking tables. */
export interface Actor {
  readonly host: string;
  readonly image: string | null;
}

export async function recordApplied(
  client: Queryable,
  row: { name: string; checksum: string; durationMs: number; lockWaitMs: number; kind: 'applied' | 'baseline' },
  actor: Actor,
): Promise<void> {
  await client.query(
    `INSERT INTO ${trackingOf(client).migrations} (name, checksum, applied_by, image, duration_ms, lock_wait_ms, kind)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [row.name, row.checksum, actor.host, actor.image, row.durationMs, row.lockWaitMs, row.kind],
  );
  await forgetUnitProgress(client, row.name);
}

/**
 * A migration recorded as applied, baselined or reverted has no partial run left to resume (its
 * next run in either direction starts at its first statement): its unit progress goes, in the
 * same transaction as the tracking row.
 */
async function forgetUnitProgress(client: Queryable, name: string): Promise<void> {
  await client.query(`DELETE FROM ${trackingOf(client).unitProgress} WHERE name = $1`, [name]);
}

/**
 * {@link recordApplied} and {@link appendHistory} (action `apply`) as ONE statement of SQL text,
 * values as literals, so that a migration can carry its own record in the message that applies
 * it: `durationMsSql` is an SQL expression of the duration (ms), written to both rows.
 */
export function recordAppliedSql(
  t: TrackingNames,
  row: { name: string; checksum: string; lockWaitMs: number },
  actor: Actor,
  durationMsSql: string,
): string {
  const image = actor.image === null ? 'NULL' : quoteLiteral(actor.image);
  const lockWaitMs = Math.round(row.lockWaitMs);
  return `WITH recorded AS (
  INSERT INTO ${t.migrations} (name, checksum, applied_by, image, duration_ms, lock_wait_ms, kind)
  VALUES (${quoteLiteral(row.name)}, ${quoteLiteral(row.checksum)}, ${quoteLiteral(actor.host)}, ${image}, ${durationMsSql}, ${lockWaitMs}, 'applied')
  RETURNING name, checksum, applied_by, image, duration_ms, lock_wait_ms),
forgotten AS (DELETE FROM ${t.unitProgress} WHERE name = ${quoteLiteral(row.name)})
INSERT INTO ${t.history} (name, action, checksum, previous_checksum, by_host, image, duration_ms, lock_wait_ms, reason)
SELECT name, 'apply', checksum, NULL, applied_by, image, duration_ms, lock_wait_ms, NULL FROM recorded`;
}

export async function removeApplied(client: Queryable, name: string): Promise<void> {
  await client.query(`DELETE FROM ${trackingOf(client).migrations} WHERE name = $1`, [name]);
  await forgetUnitProgress(client, name);
}

/** Replaces the recorded checksum of `name` (repair); false when the row no longer holds `from`. */
export async function updateChecksum(client: Queryable, name: string, from: string, to: string): Promise<boolean> {
  const { rowCount } = await client.query(`UPDATE ${trackingOf(client).migrations} SET checksum = $3 WHERE name = $1 AND checksum = $2`, [name, from, to]);
  return rowCount === 1;
}

export async function appendHistory(
  client: Queryable,
  entry: Pick<HistoryEntry, 'name' | 'action'> & Partial<Pick<HistoryEntry, 'checksum' | 'previousChecksum' | 'durationMs' | 'lockWaitMs' | 'reason'>>,
  actor: Actor,
): Promise<void> {
  await client.query(
    `INSERT INTO ${trackingOf(client).history} (name, action, checksum, previous_checksum, by_host, image, duration_ms, lock_wait_ms, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [entry.name, entry.action, entry.checksum ?? null, entry.previousChecksum ?? null, actor.host, actor.image,
      entry.durationMs ?? null, entry.lockWaitMs ?? null, entry.reason ?? null],
  );
}

export async function readHistory(client: Queryable): Promise<HistoryEntry[]> {
  try {
    const { rows } = await client.query(
      `SELECT id, name, action, checksum, previous_checksum, at, by_host, image, duration_ms, lock_wait_ms, reason
         FROM ${trackingOf(client).history} ORDER BY id`,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      action: r.action,
      checksum: r.checksum,
      previousChecksum: r.previous_checksum,
      at: r.at,
      byHost: r.by_host,
      image: r.image,
      durationMs: r.duration_ms,
      lockWaitMs: r.lock_wait_ms,
      reason: r.reason,
    }));
  } catch (err) {
    if (isUndefinedRelation(err)) return [];
    throw err;
  }
}
