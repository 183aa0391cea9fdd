import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import { buildApp, type App, type AppDeps } from '../../src/app/app.js';
import type { EngineSettings } from '../../packages/dbship/src/settings.js';
import type { Config } from '../../src/config.js';
import { createPool } from '../../packages/dbship/src/db/pool.js';
import type { Logger } from '../../packages/dbship/src/logger.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { testConfig } from './config.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { ROOT } from './migrations.js';

/** The committed migrations (0000_init, 0001_add_user_bio, ...): the schema the app is built for. */
export const MIGRATIONS_DIR = path.join(ROOT, 'migrations');

/** Log lines written by the app, kept in memory for assertions. */
export interface LogCapture {
  readonly logger: Logger;
  /** Every line so far, parsed. */
  lines(): Record<string, unknown>[];
  /** Every line so far, as written. */
  text(): string;
}

/** A pino logger at `debug` that writes into memory. */
export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () => text().split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export interface TestApp {
  readonly db: TestDatabase;
  readonly config: Config & EngineSettings;
  readonly pool: pg.Pool;
  readonly app: App;
  readonly logs: LogCapture;
  /** Closes the app and the pool, then drops the database. */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Apply the migrations first: all (true), none (false), or up to this one. Default true. */
  readonly migrate?: boolean | string;
  readonly migrationsDir?: string;
  /** Extra configuration variables for the app (e.g. a DATABASE_URL through a proxy). */
  readonly env?: Record<string, string> | ((db: TestDatabase) => Record<string, string>);
  readonly readiness?: AppDeps['readiness'];
  /** Runs after `buildApp`, before the app's plugins load (e.g. to add an `onRoute` hook). */
  readonly beforeReady?: (app: App) => void;
}

/** A fresh database, migrated by the real engine, and the app over its own pool (not listening). */
export async function startTestApp(label: string, options: TestAppOptions = {}): Promise<TestApp> {
  const db = await createTestDatabase(label);
  const dir = options.migrationsDir ?? MIGRATIONS_DIR;
  const migrate = options.migrate ?? true;
  if (migrate !== false) await upgrade(testConfig(db, dir), migrate === true ? {} : { to: migrate });
  const config = testConfig(db, dir, typeof options.env === 'function' ? options.env(db) : options.env);
  const pool = createPool(config.db!, { max: 5, applicationName: 'dbship-app-test', statementTimeoutMs: config.dbStatementTimeoutMs });
  const logs = captureLogs();
  const app = buildApp(config, { pool, logger: logs.logger, readiness: options.readiness ?? { ttlMs: 0 } });
  options.beforeReady?.(app);
  await app.ready();
  return {
    db, config, pool, app, logs,
    async close() {
      await app.close();
      await pool.end();
      await db.drop();
    },
  };
}

/** Parses a JSON response body. */
export function json<T = Record<string, unknown>>(res: { body: string }): T {
  return JSON.parse(res.body) as T;
}
