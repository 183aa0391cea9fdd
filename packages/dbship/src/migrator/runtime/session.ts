import type pg from 'pg';
import { describeDb, type DbConnection } from '../../config/db-connection.js';
import type { EngineSettings } from '../../settings.js';
import { connectionReason, sqlState, SqlState } from '../../db/sqlstate.js';
import { DbshipError } from '../../errors.js';
import { clientConfig, connectClient, quoteIdent, quoteLiteral } from '../../db/pool.js';
import { acquireMigrationLock, applicationName, describeHolder, interrupted, recordLockHolder, releaseMigrationLock } from './lock.js';
import { BlockerWatch } from './blockers.js';
import { checkSessionPinned } from './pooler.js';
import { assertWritable } from './read-only.js';
import { bootstrap, type Actor } from './tracking.js';
import { bindTrackingSchema, trackingOf } from './tracking-names.js';
import type { RunOptions } from './events.js';

/** A pinned connection holding the migration lock, with the tracking tables in place. */
export interface LockedSession {
  readonly client: pg.Client;
  readonly actor: Actor;
  /** How long this runner waited for the lock (ms). */
  readonly lockWaitMs: number;
  /** The server process of this session (`pg_backend_pid()`). */
  readonly backendPid: number;
  /** Names who blocks a statement waiting for a table lock (a second connection, opened on need). */
  readonly blockers: BlockerWatch;
}

/** What a session takes from its caller: the shared run options. */
export type SessionOptions = RunOptions;

export function actorOf(config: EngineSettings): Actor {
  return { host: config.identity.host, image: config.identity.image };
}

/** The migration runner's database; a missing configuration is a usage error (exit 2). */
export function migrationDb(config: EngineSettings): DbConnection {
  if (!config.db) {
    throw new DbshipError('CONFIG_INVALID', 'no database is configured', {
      fix: 'set DATABASE_URL (or MIGRATE_DATABASE_URL), or DB_HOST, DB_PORT, DB_NAME, DB_USER and DB_PASS (see .env.sample).',
    });
  }
  return config.db;
}

/**
 * Opens the engine's connection for `config`: bound to its tracking schema, and with the
 * configured `search_path` (default `public`), so that a migration's unqualified names never
 * resolve to dbship's own schema, whatever the role is called (PostgreSQL's default
 * `"$user", public` would put every table of a role named `dbship` into the schema `dbship`).
 */
export async function openEngineClient(config: EngineSettings): Promise<pg.Client> {
  const client = await openClient(migrationDb(config), actorOf(config));
  bindTrackingSchema(client, config.migrations.trackingSchema);
  try {
    await setSearchPath(client, config);
  } catch (err) {
    await client.end().catch(() => {});
    throw unreachable(migrationDb(config), err);
  }
  return client;
}

/** Opens one dedicated connection; connection failures become `DB_UNREACHABLE` (exit 3) without secrets. */
export async function openClient(db: DbConnection, actor: Actor): Promise<pg.Client> {
  try {
    return await connectClient(db, applicationName(actor));
  } catch (err) {
    throw unreachable(db, err);
  }
}

export function unreachable(db: DbConnection, err: unknown): DbshipError {
  if (/does not support SSL/i.test((err as Error)?.message ?? '')) {
    return new DbshipError('DB_UNREACHABLE', `cannot connect to ${describeDb(db)}: the server does not offer TLS, which sslmode=${db.ssl} requires`, {
      cause: err,
      why: 'dbship never falls back to plaintext behind your back (its prefer requires TLS, like require, without verifying the certificate).',
      fix: 'enable TLS on the server, or, on a network you trust, set sslmode=disable (or allow) in the URL or DB_SSLMODE.',
    });
  }
  return new DbshipError('DB_UNREACHABLE', `cannot connect to ${describeDb(db)}: ${connectionReason(err)}`, {
    cause: err,
    fix: 'check that the server runs and that DB_HOST / DB_PORT / DB_NAME / DB_USER / DB_PASS (or DATABASE_URL) are right.',
  });
}

/**
 * Runs `fn` on one pinned connection that holds the session-level migration advisory lock,
 * after creating the tracking tables if needed (under the lock). The lock is released in
 * `finally`; should this process die, PostgreSQL releases it when the session ends. An abort
 * signal closes the connection, so the server rolls back whatever transaction was running.
 */
export async function withLockedSession<T>(config: EngineSettings, options: SessionOptions, fn: (s: LockedSession) => Promise<T>): Promise<T> {
  const actor = actorOf(config);
  const db = migrationDb(config);
  const client = await openEngineClient(config);
  const onAbort = () => destroy(client);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let lost = false;
  client.once('end', () => (lost = true));
  let locked = false;
  let blockers: BlockerWatch | undefined;
  try {
    if (options.signal?.aborted) throw interrupted(options.signal);
    // The lock below is a session lock: refuse a transaction pooler before anything runs.
    const pinned = await checkSessionPinned(client, clientConfig(db, `${applicationName(actor)}:probe`.slice(0, 63)));
    if (pinned.unverified) options.onEvent?.({ type: 'warning', message: `a connection pooler is in the path and ${pinned.unverified}: make sure it keeps sessions (PgBouncer pool_mode = session), or set MIGRATE_DATABASE_URL to a direct URL` });
    await assertWritable(client, db);
    const lockWaitMs = await acquireMigrationLock(client, {
      waitMs: config.migrations.lockWaitMs,
      signal: options.signal,
      onWait: (holder, waitedMs) => options.onEvent?.({ type: 'lock-wait', holder: describeHolder(holder), waitedMs }),
    });
    locked = true;
    options.onEvent?.({ type: 'lock-acquired', waitedMs: lockWaitMs });
    await applySessionSettings(client, config);
    await bootstrap(client).catch((err: unknown) => {
      throw bootstrapError(err, config);
    });
    await grantReadinessTo(client, config, options);
    await recordLockHolder(client, actor);
    blockers = new BlockerWatch(clientConfig(db, `${applicationName(actor)}:watch`.slice(0, 63)), pinned.backendPid);
    return await fn({ client, actor, lockWaitMs, backendPid: pinned.backendPid, blockers });
  } catch (err) {
    if (options.signal?.aborted) throw err instanceof DbshipError && err.code === 'INTERRUPTED' ? err : interrupted(options.signal);
    // The 'end' event can trail the failed query (e.g. the server ended an idle-in-transaction
    // session while this runner was paused): a connection that cannot run SELECT 1 is lost too.
    if (lost || (!isRefusal(err) && !(await queryable(client)))) throw connectionLost(err);
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await blockers?.close();
    if (locked) await releaseMigrationLock(client).catch(() => {});
    await client.end().catch(() => {});
  }
}

function bootstrapError(err: unknown, config: EngineSettings): DbshipError {
  const db = migrationDb(config);
  const schema = config.migrations.trackingSchema;
  if (sqlState(err) === SqlState.InsufficientPrivilege) {
    return new DbshipError('INSUFFICIENT_PRIVILEGE', `role "${db.user}" may not create dbship's tracking schema: ${(err as Error).message} (SQLSTATE 42501)`, {
      cause: err,
      why: `on first use the runner creates the schema \`${schema}\` (DBSHIP_SCHEMA, under its lock), which needs CREATE on the database.`,
      fix: `run migrations as the role that owns the schema (MIGRATE_DB_USER / MIGRATE_DB_PASS), or as an administrator: GRANT CREATE ON DATABASE ${db.database} TO ${db.user}; (or CREATE SCHEMA ${quoteIdent(schema)} AUTHORIZATION ${db.user};)`,
    });
  }
  return err instanceof DbshipError ? err : new DbshipError('DATABASE_ERROR', `creating dbship's tracking tables failed: ${(err as Error).message}`, { cause: err, fix: 'check the server log and the role\'s privileges, then run again.' });
}

/**
 * With separate migration credentials the app's own role reads the tracking table for its
 * readiness probe, and needs nothing else of the tracking schema: grant exactly that.
 */
async function grantReadinessTo(client: pg.Client, config: EngineSettings, options: SessionOptions): Promise<void> {
  const app = config.appRole;
  if (!app) return;
  const t = trackingOf(client);
  try {
    await client.query(`GRANT USAGE ON SCHEMA ${t.schema} TO ${quoteIdent(app)}; GRANT SELECT ON ${t.migrations} TO ${quoteIdent(app)}`);
  } catch (err) {
    options.onEvent?.({ type: 'warning', message: `could not let the app role "${app}" read ${t.schemaName}.migrations (SQLSTATE ${sqlState(err) ?? '?'}): its /readyz will say so; grant USAGE ON SCHEMA ${t.schema} and SELECT ON ${t.migrations} to it` });
  }
  try {
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${t.releases} TO ${quoteIdent(app)}`);
  } catch (err) {
    options.onEvent?.({ type: 'warning', message: `could not let the app role "${app}" write its release heartbeat to ${t.schemaName}.releases (SQLSTATE ${sqlState(err) ?? '?'}): contracts of online changes then cannot see the running releases; grant SELECT, INSERT, UPDATE, DELETE ON ${t.releases} to it` });
  }
}

/** Runs `fn` on one connection without the lock (read-only verbs: status, history, dry runs). */
export async function withReadSession<T>(config: EngineSettings, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await openEngineClient(config);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Returns the migration session to a clean state, so that nothing one migration set for its
 * session (`SET search_path`, `SET session_replication_role = replica`, `SET ROLE`, a temporary
 * table, a prepared statement, a cursor WITH HOLD, a LISTEN) changes how the next one runs; then
 * applies dbship's own session settings again. Run before each migration. Not `DISCARD ALL`: it
 * also releases session advisory locks, among them the migration lock this session holds.
 * (The client sends no named prepared statements, so DEALLOCATE ALL takes nothing from it.)
 */
export async function resetSession(client: pg.ClientBase, config: EngineSettings): Promise<void> {
  // One round trip: the reset and dbship's settings travel as one message.
  await client.query(`SET SESSION AUTHORIZATION DEFAULT; RESET ROLE; RESET ALL; DEALLOCATE ALL; CLOSE ALL; UNLISTEN *; DISCARD PLANS; DISCARD TEMP; DISCARD SEQUENCES; ${sessionSettingsSql(config)}`);
}

/**
 * dbship's own settings for a migration session: set after taking the lock and again after every
 * reset (RESET ALL returns each to its server default), as one message:
 * - dead-client detection: the server notices within a second when this runner dies
 *   mid-statement (kill -9, node evicted), so its transaction rolls back and the lock is freed at
 *   once instead of when the statement would have ended. PostgreSQL 14+ (older servers, which
 *   lack the setting, skip it and notice at the next network write);
 * - the bound on idling in a transaction: a runner frozen between two statements (SIGSTOP, a
 *   stalled node) would otherwise sit "idle in transaction" holding its table locks, and every app
 *   query on those tables would queue behind it without end; the server ends such a session
 *   after the bound, which rolls it back and frees the migration lock. Each migration's
 *   transaction sets it again (SET LOCAL), whatever a reset did;
 * - the configured `search_path` (default `public`).
 */
async function applySessionSettings(client: pg.ClientBase, config: EngineSettings): Promise<void> {
  await client.query(sessionSettingsSql(config));
}

/** The configured `search_path` (default `public`), as a session setting. */
async function setSearchPath(client: pg.ClientBase, config: EngineSettings): Promise<void> {
  await client.query(searchPathSql(config));
}

function searchPathSql(config: EngineSettings): string {
  return `SELECT set_config('search_path', ${quoteLiteral(config.migrations.searchPath.map(quoteIdent).join(', '))}, false)`;
}

function sessionSettingsSql(config: EngineSettings): string {
  const idleMs = Math.max(0, Math.round(config.migrations.idleInTransactionTimeoutMs));
  return [
    "SELECT set_config('client_connection_check_interval', '1s', false) WHERE current_setting('server_version_num')::int >= 140000",
    `SET idle_in_transaction_session_timeout = ${idleMs}`,
    searchPathSql(config),
  ].join('; ');
}

/** The server went away mid-run (restart, failover, network): nothing uncommitted survived. */
function connectionLost(err: unknown): DbshipError {
  return new DbshipError('CONNECTION_LOST', 'the connection to the database was lost while migrating', {
    cause: err,
    details: err instanceof DbshipError ? [err.message, ...err.details] : [],
    why: 'the server restarted, failed over, or the network dropped, or it ended this session (idle_in_transaction_session_timeout after the runner was paused); the server rolled back the migration that was in progress.',
    fix: 'run again once the database is back (`dbship deploy` retries by itself until DB_WAIT runs out).',
  });
}

/** Refused before anything ran: the connection is fine (and through a pooler a probe could queue). */
function isRefusal(err: unknown): boolean {
  return err instanceof DbshipError && (err.code === 'TRANSACTION_POOLER' || err.code === 'LOCK_TIMEOUT');
}

async function queryable(client: pg.Client): Promise<boolean> {
  // A server answer (even an error, e.g. inside an aborted transaction) means it is still there.
  return client.query('SELECT 1').then(() => true, (err: unknown) => sqlState(err) !== undefined);
}

function destroy(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  stream?.destroy();
}
