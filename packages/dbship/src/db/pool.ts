import pg from 'pg';
import type { DbConnection } from '../config/db-connection.js';
import { tlsOptions } from './tls.js';

/** node-postgres settings for one {@link DbConnection}. */
export function clientConfig(db: DbConnection, applicationName = 'dbship'): pg.ClientConfig {
  return {
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.user,
    password: db.password,
    ssl: tlsOptions(db),
    application_name: applicationName.slice(0, 63),
    connectionTimeoutMillis: 10_000,
  };
}

export interface PoolOptions {
  max?: number;
  applicationName?: string;
  /** `statement_timeout` of every query on the pool's connections (ms; 0 or unset: none). */
  statementTimeoutMs?: number;
}

/** The one place that creates a connection pool. */
export function createPool(db: DbConnection, options: PoolOptions = {}): pg.Pool {
  const timeout = Math.round(options.statementTimeoutMs ?? 0);
  const pool = new pg.Pool({
    ...clientConfig(db, options.applicationName),
    max: options.max ?? 10,
    idleTimeoutMillis: 30_000,
    ...(timeout > 0 ? { Client: clientWithStatementTimeout(timeout) } : {}),
  });
  // An idle client losing its connection (database restart) must not crash the process;
  // the pool drops it and the next checkout reconnects.
  pool.on('error', () => {});
  return pool;
}

/**
 * A client class whose connect() also runs `SET statement_timeout` before it completes, so the
 * pool hands out a client only once the setting is in place and no query ever overlaps it. A SET,
 * not a start-up parameter: PgBouncer refuses start-up parameters it does not know, and the app
 * usually reaches PostgreSQL through one.
 */
function clientWithStatementTimeout(timeoutMs: number): typeof pg.Client {
  class TimedClient extends pg.Client {}
  const connect = pg.Client.prototype.connect as (this: pg.Client) => Promise<unknown>;
  Object.defineProperty(TimedClient.prototype, 'connect', {
    value(this: pg.Client, callback?: (err: Error | undefined) => void): Promise<void> | undefined {
      const ready = connect.call(this).then(async () => {
        await this.query(`SET statement_timeout = ${timeoutMs}`);
      });
      if (!callback) return ready;
      ready.then(() => callback(undefined), (err: Error) => callback(err));
      return undefined;
    },
  });
  return TimedClient;
}

/** Opens one dedicated client (for a session lock or a transaction that must stay pinned). */
export async function connectClient(db: DbConnection, applicationName?: string): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(db, applicationName));
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Quotes an identifier for SQL text (node-postgres' own quoting, which doubles embedded quotes). */
export const quoteIdent: (name: string) => string = pg.escapeIdentifier;

/** A string as an SQL literal, valid whatever `standard_conforming_strings` says (`E'...'` when it holds a backslash). */
export const quoteLiteral: (value: string) => string = pg.escapeLiteral;
