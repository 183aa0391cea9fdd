import { realpathSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { type DbConnection, createPool, DbshipError, createLogger, startReleaseHeartbeat, type Logger, type ReleaseHeartbeat } from 'dbship/service';
import { loadConfig, type Config } from '../config.js';
import { buildApp, type App } from './app.js';
import { newestBuildMigration } from './health/build-migration.js';
import { loggableError } from './db-errors.js';

export interface StartServerOptions {
  /** Default: `createLogger(config.logLevel)`. */
  readonly logger?: Logger;
  /** How long `close()` lets in-flight requests finish before cutting connections (default 10 s). */
  readonly shutdownGraceMs?: number;
}

/** How a shutdown went. */
export interface ShutdownResult {
  /** True when the grace period ran out and connections (or the pool) were cut. */
  readonly forced: boolean;
}

/** A listening service. */
export interface RunningServer {
  /** Base URL, e.g. `http://localhost:8000` (a wildcard host is shown as localhost). */
  readonly url: string;
  readonly app: App;
  /**
   * Drains: /readyz turns 503 "shutting down", no new connection is accepted, in-flight requests
   * finish (bounded by the grace period), then the pool is closed. Idempotent.
   */
  shutdown(): Promise<ShutdownResult>;
  /** {@link shutdown}, ignoring how it went. */
  close(): Promise<void>;
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/** After the HTTP side is closed, how long open database connections get to be released. */
const POOL_END_MS = 2_000;

/** Starts the service on `config.http`; the only place in the project that listens. */
export async function startServer(config: Config, options: StartServerOptions = {}): Promise<RunningServer> {
  const db = requireDatabase(config);
  const logger = options.logger ?? createLogger(config.logLevel, { name: 'dbship-app' });
  const pool = createPool(db, { max: config.poolMax, applicationName: `dbship-app:${config.identity.host}`, statementTimeoutMs: config.dbStatementTimeoutMs });
  let app: App;
  try {
    app = buildApp(config, { pool, logger });
    await app.listen({ host: config.http.host, port: config.http.port });
  } catch (err) {
    await pool.end().catch(() => {});
    throw listenError(err, config);
  }
  const heartbeat = startHeartbeat(config, pool, app);
  const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  let closing: Promise<ShutdownResult> | undefined;
  const shutdown = () => (closing ??= drain(app, pool, graceMs, heartbeat));
  return {
    url: baseUrl(app.server.address() as AddressInfo),
    app,
    shutdown,
    close: async () => {
      await shutdown();
    },
  };
}

/**
 * Registers this release (the build's newest migration) in dbship's `releases` table while the
 * service runs, so that the contract step of an online change waits until no older release is
 * left (docs/online-changes.md). Off with RELEASE_HEARTBEAT_INTERVAL=0.
 */
function startHeartbeat(config: Config, pool: pg.Pool, app: App): ReleaseHeartbeat | null {
  if (config.releaseHeartbeatMs === 0) return null;
  // buildApp has read the same record (or folder) already: a missing folder failed there.
  const version = newestBuildMigration(config.migrations.dir, (message) => app.log.warn(message));
  return startReleaseHeartbeat(pool, {
    version,
    instance: `${config.identity.host}/${process.pid}`,
    image: config.identity.image,
    intervalMs: config.releaseHeartbeatMs,
    trackingSchema: config.migrations.trackingSchema,
    onError: (reason) => app.log.warn(reason),
  });
}

async function drain(app: App, pool: pg.Pool, graceMs: number, heartbeat: ReleaseHeartbeat | null): Promise<ShutdownResult> {
  let forced = false;
  const timer = setTimeout(() => {
    forced = true;
    app.log.warn(`requests still running after the ${graceMs} ms grace period: closing their connections`);
    app.server.closeAllConnections();
  }, graceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
  // After the last request: this instance no longer serves, so a waiting contract may go ahead.
  await heartbeat?.stop();
  const poolEnded = await Promise.race([
    pool.end().then(() => true, () => true),
    new Promise<boolean>((resolve) => setTimeout(resolve, POOL_END_MS, false).unref()),
  ]);
  return { forced: forced || !poolEnded };
}

/** The service needs a real database; the embedded one exists only in development. */
export function requireDatabase(config: Config): DbConnection {
  if (config.db) return config.db;
  throw new DbshipError('CONFIG_INVALID', 'no database is configured', {
    why: 'neither DATABASE_URL nor DB_HOST / DB_NAME / DB_USER is set, and the production image has no embedded PostgreSQL server (that exists only for local development with `npm start`).',
    fix: 'set DATABASE_URL, or DB_HOST, DB_PORT, DB_NAME, DB_USER and DB_PASS (see .env.sample; in Kubernetes the dbship-config ConfigMap and dbship-db Secret).',
  });
}

function listenError(err: unknown, config: Config): unknown {
  const code = (err as { code?: unknown })?.code;
  const where = `${config.http.host}:${config.http.port}`;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    const why = { EADDRINUSE: 'another process already listens there', EACCES: 'this user may not bind that port', EADDRNOTAVAIL: 'no network interface has that address' }[code];
    return new DbshipError('CONFIG_INVALID', `cannot listen on ${where}`, { cause: err, why, fix: 'set PORT (and HOST) to a free port and an address of this machine.' });
  }
  return err;
}

function baseUrl(address: AddressInfo): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * The production entry (`node dist/app/server.js`, PID 1 in the container): runs until SIGTERM or
 * SIGINT, then drains and exits 0 (1 when the grace period had to cut requests). A second signal
 * exits at once. Start-up failures exit with the error's code (2: configuration).
 */
async function main(): Promise<void> {
  let logger = createLogger('info', { name: 'dbship-app' });
  // Handlers go in before anything else: a signal during start-up must end in a clean stop, not
  // the default action (which kills a normal process and is ignored by PID 1).
  const signalled = onFirstSignal(() => logger);
  process.on('uncaughtException', (err) => {
    logFatal(logger, err);
    process.exit(1);
  });
  let server: RunningServer;
  try {
    const config = loadConfig();
    logger = createLogger(config.logLevel, { name: 'dbship-app' });
    server = await startServer(config, { logger });
    logger.info({ url: server.url, bound: `${config.http.host}:${config.http.port}` }, `dbship service listening on ${server.url}`);
  } catch (err) {
    logFatal(logger, err);
    process.exitCode = err instanceof DbshipError ? err.exitCode : 1;
    return;
  }
  const signal = await signalled;
  logger.info(`${signal} received: draining (no new connections; in-flight requests may finish)`);
  const { forced } = await server.shutdown();
  process.exitCode = forced ? 1 : 0;
  logger.info(forced ? 'stopped; some requests were cut off' : 'stopped cleanly');
  // Should some handle keep the loop alive after everything is closed, do not hang.
  setTimeout(() => process.exit(), 2_000).unref();
}

/** Resolves on the first SIGTERM / SIGINT; a second one exits at once. */
function onFirstSignal(logger: () => Logger): Promise<NodeJS.Signals> {
  let received = false;
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      if (received) {
        logger().warn(`second ${signal}: exiting without waiting for requests`);
        process.exit(1);
      }
      received = true;
      resolve(signal);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}

function logFatal(logger: Logger, err: unknown): void {
  if (err instanceof DbshipError) {
    logger.fatal({ code: err.code, details: err.details, why: err.why, fix: err.fix }, err.message);
  } else {
    // Not the error's message: a query error's message can carry parameter values.
    logger.fatal({ err: loggableError(err) }, 'the service failed');
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/**
 * Runs the service as the production entry does (see {@link main}). `node dist/app/server.js` calls
 * it: this file when run as compiled, the built bundle's launcher otherwise (scripts/build/bundle.ts).
 */
export async function runService(): Promise<void> {
  await main().catch((err: unknown) => {
    process.stderr.write(`${JSON.stringify({ level: 60, msg: 'the service failed', err: loggableError(err) })}\n`);
    process.exit(1);
  });
}

if (isEntryPoint()) await runService();
