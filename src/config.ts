import {
  deepFreeze, ENGINE_VARIABLES, envLayers, findProjectRoot, LOG_LEVELS, mergeLayers, readAppDb, readEngineSettings, Reader, throwProblems,
  type DbConnection, type EngineSettings, type Env, type LogLevel,
} from 'dbship/service';

/**
 * The service's settings: its database, HTTP address, pool size and log level, plus the engine
 * settings that `npm start` migrates with. The service reads the tracking table for `/readyz`,
 * so it knows where the migrations folder and the tracking schema are; it never migrates itself.
 */
export interface Config {
  /** The application's database; `null` means "none configured": local runs use the embedded server. */
  readonly db: DbConnection | null;
  readonly poolMax: number;
  /** `statement_timeout` of the app's queries (ms, 0 = none): a query stuck behind a lock answers 503. */
  readonly dbStatementTimeoutMs: number;
  /** How often the service registers its release in dbship's `releases` table (ms, 0 = never): online contracts wait for older releases. */
  readonly releaseHeartbeatMs: number;
  readonly http: { readonly host: string; readonly port: number };
  readonly logLevel: LogLevel;
  /** Where `/readyz` looks: the build's migrations folder (strict: an unlisted file is an error) and the tracking schema. */
  readonly migrations: { readonly dir: string; readonly trackingSchema: string; readonly strict: boolean };
  readonly identity: { readonly host: string; readonly image: string | null };
  /** The migration engine's settings (the same environment), for `npm start`'s upgrade. */
  readonly engine: EngineSettings;
}

/** The variables only the service reads (the engine's are `ENGINE_VARIABLES`). */
export const APP_VARIABLES = ['DB_POOL_MAX', 'DB_STATEMENT_TIMEOUT', 'RELEASE_HEARTBEAT_INTERVAL', 'PORT', 'HOST', 'LOG_LEVEL'] as const;

/** Every variable this project's configuration reads (the source of `.env.sample`). */
export const CONFIG_VARIABLES = [...ENGINE_VARIABLES, ...APP_VARIABLES] as const;

export interface LoadConfigOptions {
  /** The environment (default `process.env`). Wins over `.env`. */
  env?: Env;
  /** Working directory: the project root (and its `.env`) is found from here (default `process.cwd()`). */
  cwd?: string;
  /** Read `<root>/.env` when present (default true). */
  readDotEnv?: boolean;
}

/**
 * Reads the environment (and `.env`; the environment wins, per variable group) once into a
 * frozen, validated {@link Config}. Every problem, the service's and the engine's, is reported in
 * one `CONFIG_INVALID` error (exit code 2); values of password variables are never echoed.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const root = findProjectRoot(options.cwd ?? process.cwd());
  const { values } = mergeLayers(envLayers(options.env ?? process.env, root, options.readDotEnv ?? true));
  const r = new Reader(values);
  const engine = readEngineSettings(r, root);
  const db = readAppDb(new Reader(values));
  const config: Config = {
    db,
    poolMax: r.int('DB_POOL_MAX', 10, 1, 1000),
    dbStatementTimeoutMs: r.duration('DB_STATEMENT_TIMEOUT', 5_000, 0),
    releaseHeartbeatMs: r.duration('RELEASE_HEARTBEAT_INTERVAL', 15_000, 0),
    http: { host: r.str('HOST') ?? '0.0.0.0', port: r.int('PORT', 8000, 0, 65535) },
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    migrations: { dir: engine.migrations.dir, trackingSchema: engine.migrations.trackingSchema, strict: engine.migrations.strict },
    identity: { host: engine.identity.host, image: engine.identity.image },
    engine,
  };
  throwProblems(r.problems);
  return deepFreeze(config);
}

/** The same configuration with the database of a local embedded server, for the app and its migrations. */
export function withDatabase(config: Config, db: DbConnection): Config {
  return deepFreeze({ ...config, db, engine: { ...config.engine, db, appRole: null } });
}
