import { hostname } from 'node:os';
import path from 'node:path';
import type { DbConnection } from './config/db-connection.js';
import { readAppDb, readMigrationDb } from './config/db-env.js';
import { mergeLayers, type Env } from './config/layers.js';
import { Reader } from './config/reader.js';
import { DbshipError } from './errors.js';
import { findProjectRoot } from './project/root.js';
import { envLayers, loadSources, type LoadSourcesOptions } from './project/sources.js';

/** How migrations run: the folder, the timeouts, and where dbship keeps its own tables. */
export interface MigrationSettings {
  /** Folder holding the drizzle-kit style journal, SQL, down and snapshot files. */
  readonly dir: string;
  /** `lock_timeout` of each attempt of a migration statement (ms): how long app queries may queue behind it. */
  readonly lockTimeoutMs: number;
  /** `statement_timeout` for every migration statement (ms, 0 = none). */
  readonly statementTimeoutMs: number;
  /** How many times a migration that hit `lock_timeout` is retried at most. */
  readonly lockRetries: number;
  /** How long one migration may spend on lock-timed-out attempts and the pauses between them (ms). */
  readonly lockRetryBudgetMs: number;
  /** `idle_in_transaction_session_timeout` of the runner's session (ms, 0 = none): a frozen runner's locks are freed. */
  readonly idleInTransactionTimeoutMs: number;
  /** How long a runner waits for the migration advisory lock (ms). */
  readonly lockWaitMs: number;
  /** Allow applying a pending file older than the newest applied one. */
  readonly allowOutOfOrder: boolean;
  /** Fail (instead of warn) when the database has migrations this build does not know. */
  readonly strict: boolean;
  /** How long `deploy` waits for the database to accept connections (ms). */
  readonly waitMs: number;
  /**
   * How recently a release older than an online change's expand step must have been seen (its
   * heartbeat in `releases`) for the contract step to wait (ms).
   */
  readonly releaseWindowMs: number;
  /** Schema of dbship's tracking tables (`DBSHIP_SCHEMA`, default `dbship`). */
  readonly trackingSchema: string;
  /** The `search_path` every migration runs with; never contains `trackingSchema`. */
  readonly searchPath: readonly string[];
}

/**
 * Everything the migration engine needs, and nothing of the service's (no HTTP, pool size or log
 * level): the database as migrations reach it, the app's role, the migration settings, and who
 * runs. Built once from the environment, `.env` and the project's config files (see
 * {@link buildEngineSettings}); engine functions never read `process.env`.
 */
export interface EngineSettings {
  /** The database the runner connects to; `null` when none is configured. */
  readonly db: DbConnection | null;
  /** The application's role when it differs from the runner's: granted read access to the tracking table, for readiness. */
  readonly appRole: string | null;
  readonly migrations: MigrationSettings;
  /** Who runs: recorded in the migration history and the lock holder row. */
  readonly identity: { readonly host: string; readonly image: string | null };
}

/** Every variable the engine settings read (the source of `.env.sample`, with the app's own). */
export const ENGINE_VARIABLES = [
  'DATABASE_URL', 'DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASS', 'DB_SSLMODE', 'DB_SSLROOTCERT',
  'MIGRATE_DATABASE_URL', 'MIGRATE_DB_USER', 'MIGRATE_DB_PASS', 'MIGRATIONS_DIR', 'DBSHIP_SCHEMA', 'MIGRATE_SEARCH_PATH',
  'MIGRATE_LOCK_TIMEOUT', 'MIGRATE_STATEMENT_TIMEOUT', 'MIGRATE_LOCK_RETRIES', 'MIGRATE_LOCK_RETRY_BUDGET',
  'MIGRATE_IDLE_IN_TRANSACTION_TIMEOUT', 'MIGRATE_LOCK_WAIT',
  'MIGRATE_ALLOW_OUT_OF_ORDER', 'MIGRATE_STRICT', 'DB_WAIT', 'MIGRATE_RELEASE_WINDOW', 'DBSHIP_IMAGE', 'HOSTNAME',
] as const;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * The engine settings of this project: the environment, `.env`, dbship.config.* and
 * drizzle.config.* merged in that order of precedence, from the project root found above `cwd`.
 * Throws `CONFIG_INVALID` (exit 2) listing every problem, `PROJECT_MODULE_FAILED` for a config
 * file that does not load.
 */
export async function loadSettings(options: LoadSourcesOptions = {}): Promise<EngineSettings> {
  const sources = await loadSources(options);
  return buildEngineSettings(sources.values, sources.root);
}

/** Like {@link loadSettings}, from the environment and `.env` only (no config file is run). */
export function settingsFromEnv(options: Omit<LoadSourcesOptions, 'readProjectFiles'> = {}): EngineSettings {
  const root = findProjectRoot(options.cwd ?? process.cwd());
  const { values } = mergeLayers(envLayers(options.env ?? process.env, root, options.readDotEnv ?? true));
  return buildEngineSettings(values, root);
}

/**
 * Builds the frozen engine settings from merged variables (see `mergeLayers`). Relative paths
 * resolve against `root`. Every problem is collected into one `CONFIG_INVALID` error (exit 2).
 */
export function buildEngineSettings(env: Env, root: string): EngineSettings {
  const r = new Reader(env);
  const settings = readEngineSettings(r, root);
  throwProblems(r.problems);
  return deepFreeze(settings);
}

/** Reads the engine settings, adding every problem to `r.problems` (for callers that read more). */
export function readEngineSettings(r: Reader, root: string): EngineSettings {
  const appDb = readAppDb(r);
  const db = readMigrationDb(r, appDb);
  const trackingSchema = readTrackingSchema(r);
  return {
    db,
    appRole: appDb && db && appDb.user !== db.user ? appDb.user : null,
    migrations: {
      dir: path.resolve(root, r.str('MIGRATIONS_DIR') ?? 'migrations'),
      lockTimeoutMs: r.duration('MIGRATE_LOCK_TIMEOUT', 300, 1),
      statementTimeoutMs: r.duration('MIGRATE_STATEMENT_TIMEOUT', 15 * 60_000, 0),
      lockRetries: r.int('MIGRATE_LOCK_RETRIES', 1_000, 0, 100_000),
      lockRetryBudgetMs: r.duration('MIGRATE_LOCK_RETRY_BUDGET', 2 * 60_000, 0),
      idleInTransactionTimeoutMs: r.duration('MIGRATE_IDLE_IN_TRANSACTION_TIMEOUT', 10_000, 0),
      lockWaitMs: r.duration('MIGRATE_LOCK_WAIT', 5 * 60_000, 0),
      allowOutOfOrder: r.bool('MIGRATE_ALLOW_OUT_OF_ORDER', false),
      strict: r.bool('MIGRATE_STRICT', false),
      waitMs: r.duration('DB_WAIT', 120_000, 0),
      releaseWindowMs: r.duration('MIGRATE_RELEASE_WINDOW', 2 * 60_000, 0),
      trackingSchema,
      searchPath: readSearchPath(r, trackingSchema),
    },
    identity: { host: r.str('HOSTNAME') ?? hostname(), image: r.str('DBSHIP_IMAGE') ?? null },
  };
}

/** Reads `DBSHIP_SCHEMA`: a plain identifier, so that it can be named in SQL without surprises. */
export function readTrackingSchema(r: Reader): string {
  const schema = r.str('DBSHIP_SCHEMA') ?? 'dbship';
  if (!IDENTIFIER.test(schema) || schema.length > 63 || schema.startsWith('pg_')) {
    r.problems.push(`DBSHIP_SCHEMA must be a plain schema name (letters, digits, _; at most 63 bytes; not pg_*) (got "${schema}").`);
    return 'dbship';
  }
  return schema;
}

/**
 * `MIGRATE_SEARCH_PATH`: comma-separated schemas (default `public`). It may not name the tracking
 * schema, nor `$user`: with a role named like the tracking schema (the shipped `dbship`), `$user`
 * would put every new table next to dbship's own.
 */
function readSearchPath(r: Reader, trackingSchema: string): string[] {
  const text = r.str('MIGRATE_SEARCH_PATH') ?? 'public';
  const schemas = text.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1')).filter(Boolean);
  const bad = schemas.filter((s) => s === trackingSchema || s === '$user' || !IDENTIFIER.test(s));
  if (schemas.length === 0 || bad.length > 0) {
    r.problems.push(`MIGRATE_SEARCH_PATH must list schemas other than dbship's tracking schema "${trackingSchema}" and "$user" (got "${text}").`);
    return ['public'];
  }
  return schemas;
}

/** Throws the one `CONFIG_INVALID` error listing every problem, if any. */
export function throwProblems(problems: readonly string[]): void {
  if (problems.length === 0) return;
  throw new DbshipError('CONFIG_INVALID', `invalid configuration (${problems.length} problem${problems.length > 1 ? 's' : ''})`, {
    details: [...problems],
    fix: 'correct the settings above in the environment, .env or the project config file (`dbship config` shows where each comes from; .env.sample lists every variable).',
  });
}

/** Freezes an object and everything it holds. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
