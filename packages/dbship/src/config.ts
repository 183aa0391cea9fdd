import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { DbshipError } from './errors.js';

/** Where and how to reach one PostgreSQL database. The password never appears in `describeDb`. */
export interface DbConnection {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string | undefined;
  readonly ssl: 'disable' | 'require' | 'verify-full';
}

export interface MigrationSettings {
  /** Folder holding the drizzle-kit style journal, SQL, down and snapshot files. */
  readonly dir: string;
  /** `lock_timeout` for every migration statement (ms). */
  readonly lockTimeoutMs: number;
  /** `statement_timeout` for every migration statement (ms, 0 = none). */
  readonly statementTimeoutMs: number;
  /** How many times a migration that hit `lock_timeout` is retried. */
  readonly lockRetries: number;
  /** How long a runner waits for the migration advisory lock (ms). */
  readonly lockWaitMs: number;
  /** Allow applying a pending file older than the newest applied one. */
  readonly allowOutOfOrder: boolean;
  /** Fail (instead of warn) when the database has migrations this build does not know. */
  readonly strict: boolean;
  /** How long `deploy` waits for the database to accept connections (ms). */
  readonly waitMs: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** The application's database; `null` means "none configured": local runs use the embedded server. */
  readonly db: DbConnection | null;
  /** The database as the migration runner reaches it (MIGRATE_DB_USER / MIGRATE_DB_PASS). */
  readonly migrateDb: DbConnection | null;
  readonly poolMax: number;
  readonly http: { readonly host: string; readonly port: number };
  readonly logLevel: LogLevel;
  readonly migrations: MigrationSettings;
  /** Who runs: recorded in the migration history and the lock holder row. */
  readonly identity: { readonly host: string; readonly image: string | null };
}

export type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const SSL_MODES = ['disable', 'require', 'verify-full'] as const;

/** Every variable the configuration reads, with its meaning (the source of `.env.sample`). */
export const CONFIG_VARIABLES = [
  'DATABASE_URL', 'DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASS', 'DB_SSLMODE', 'DB_POOL_MAX',
  'MIGRATE_DB_USER', 'MIGRATE_DB_PASS', 'PORT', 'HOST', 'LOG_LEVEL', 'MIGRATIONS_DIR',
  'MIGRATE_LOCK_TIMEOUT', 'MIGRATE_STATEMENT_TIMEOUT', 'MIGRATE_LOCK_RETRIES', 'MIGRATE_LOCK_WAIT',
  'MIGRATE_ALLOW_OUT_OF_ORDER', 'MIGRATE_STRICT', 'DB_WAIT', 'DBSHIP_IMAGE', 'HOSTNAME',
] as const;

export interface LoadConfigOptions {
  /** The environment (default `process.env`). Wins over `.env`. */
  env?: Env;
  /** Working directory: `.env` and relative paths resolve against it (default `process.cwd()`). */
  cwd?: string;
  /** Read `<cwd>/.env` when present (default true). */
  readDotEnv?: boolean;
}

/**
 * Reads the environment (and `.env` when present) once into a frozen, validated {@link Config}.
 * Every problem is collected and reported in one `CONFIG_INVALID` error (exit code 2);
 * values of password variables are never echoed.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const env = mergeEnv(options.env ?? process.env, options.readDotEnv === false ? undefined : path.join(cwd, '.env'));
  const problems: string[] = [];
  const r = new Reader(env, problems);

  const db = readDb(r, env, problems);
  const migrateUser = r.str('MIGRATE_DB_USER');
  const migratePass = env.MIGRATE_DB_PASS;
  if (migratePass !== undefined && migrateUser === undefined) {
    problems.push('MIGRATE_DB_PASS is set without MIGRATE_DB_USER: set both, or neither.');
  }
  const migrateDb = db && migrateUser !== undefined ? { ...db, user: migrateUser, password: migratePass } : db;

  const config: Config = {
    db,
    migrateDb,
    poolMax: r.int('DB_POOL_MAX', 10, 1, 1000),
    http: { host: r.str('HOST') ?? '0.0.0.0', port: r.int('PORT', 8000, 0, 65535) },
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    migrations: {
      dir: path.resolve(cwd, r.str('MIGRATIONS_DIR') ?? 'migrations'),
      lockTimeoutMs: r.duration('MIGRATE_LOCK_TIMEOUT', 5_000, 1),
      statementTimeoutMs: r.duration('MIGRATE_STATEMENT_TIMEOUT', 15 * 60_000, 0),
      lockRetries: r.int('MIGRATE_LOCK_RETRIES', 5, 0, 100),
      lockWaitMs: r.duration('MIGRATE_LOCK_WAIT', 5 * 60_000, 0),
      allowOutOfOrder: r.bool('MIGRATE_ALLOW_OUT_OF_ORDER', false),
      strict: r.bool('MIGRATE_STRICT', false),
      waitMs: r.duration('DB_WAIT', 120_000, 0),
    },
    identity: { host: r.str('HOSTNAME') ?? hostname(), image: r.str('DBSHIP_IMAGE') ?? null },
  };
  if (problems.length > 0) {
    throw new DbshipError('CONFIG_INVALID', `invalid configuration (${problems.length} problem${problems.length > 1 ? 's' : ''})`, {
      details: problems,
      fix: 'correct the variables above in the environment or in .env (see .env.sample for every variable).',
    });
  }
  return deepFreeze(config);
}

/** `postgres://user@host:port/db`: a connection described without its password. */
export function describeDb(db: DbConnection): string {
  const host = db.host.includes(':') ? `[${db.host}]` : db.host;
  return `postgres://${encodeURIComponent(db.user)}@${host}:${db.port}/${encodeURIComponent(db.database)}`;
}

/** Parses a `postgres://` URL into a {@link DbConnection}; throws a message without the URL on error. */
export function parseDatabaseUrl(url: string): DbConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database).');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new Error(`DATABASE_URL must start with postgres:// or postgresql:// (got ${u.protocol}//).`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!u.hostname) throw new Error('DATABASE_URL has no host.');
  if (!database) throw new Error('DATABASE_URL has no database name (the path after the host).');
  const port = u.port ? Number(u.port) : 5432;
  const sslmode = u.searchParams.get('sslmode') ?? 'disable';
  const ssl = sslmode === 'require' || sslmode === 'verify-full' ? sslmode : 'disable';
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    database,
    user: decodeURIComponent(u.username) || 'postgres',
    password: u.password ? decodeURIComponent(u.password) : undefined,
    ssl,
  };
}

function readDb(r: Reader, env: Env, problems: string[]): DbConnection | null {
  const url = r.str('DATABASE_URL');
  const parts = ['DB_HOST', 'DB_NAME', 'DB_USER'] as const;
  const anyPart = [...parts, 'DB_PORT', 'DB_PASS'].some((k) => env[k] !== undefined && env[k] !== '');
  const sslmode = r.oneOf('DB_SSLMODE', SSL_MODES, 'disable');
  if (url !== undefined) {
    if (anyPart) problems.push('both DATABASE_URL and DB_* variables are set: use one or the other.');
    try {
      const db = parseDatabaseUrl(url);
      return env.DB_SSLMODE ? { ...db, ssl: sslmode } : db;
    } catch (err) {
      problems.push((err as Error).message);
      return null;
    }
  }
  if (!anyPart) return null;
  const missing = parts.filter((k) => r.str(k) === undefined);
  if (missing.length > 0) problems.push(`${missing.join(', ')} must be set when any DB_* variable is set.`);
  return {
    host: r.str('DB_HOST') ?? '',
    port: r.int('DB_PORT', 5432, 1, 65535),
    database: r.str('DB_NAME') ?? '',
    user: r.str('DB_USER') ?? '',
    password: env.DB_PASS === '' ? undefined : env.DB_PASS,
    ssl: sslmode,
  };
}

class Reader {
  constructor(private readonly env: Env, private readonly problems: string[]) {}

  str(key: string): string | undefined {
    const v = this.env[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  int(key: string, fallback: number, min: number, max: number): number {
    const v = this.str(key);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || n < min || n > max) {
      this.problems.push(`${key} must be a whole number from ${min} to ${max} (got "${v}").`);
      return fallback;
    }
    return n;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.str(key)?.toLowerCase();
    if (v === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    this.problems.push(`${key} must be true or false (got "${v}").`);
    return fallback;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.str(key);
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problems.push(`${key} must be one of ${allowed.join(', ')} (got "${v}").`);
    return fallback;
  }

  duration(key: string, fallbackMs: number, minMs: number): number {
    const v = this.str(key);
    if (v === undefined) return fallbackMs;
    const ms = parseDuration(v);
    if (ms === undefined || ms < minMs) {
      this.problems.push(`${key} must be a duration such as 500ms, 5s, 2m or 1h (got "${v}").`);
      return fallbackMs;
    }
    return ms;
  }
}

/** Parses `500ms`, `5s`, `2m`, `1h`, or a bare number of milliseconds (as PostgreSQL does). */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 }[m[2] ?? 'ms'] ?? 1;
  return Math.round(Number(m[1]) * factor);
}

function mergeEnv(env: Env, dotEnvPath: string | undefined): Env {
  if (!dotEnvPath || !existsSync(dotEnvPath)) return env;
  const fromFile = parseEnv(readFileSync(dotEnvPath, 'utf8'));
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  return merged;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
