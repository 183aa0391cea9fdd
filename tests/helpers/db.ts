import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DbConnection } from '../../packages/dbship/src/config/db-connection.js';
import { parseDatabaseUrl } from '../../packages/dbship/src/config/db-url.js';
import { clientConfig, quoteIdent } from '../../packages/dbship/src/db/pool.js';

/** A fresh database of its own for one test file (or one test). */
export interface TestDatabase {
  readonly name: string;
  readonly connection: DbConnection;
  /** `postgres://user:pass@host:port/name` for child processes. */
  readonly url: string;
  /** Runs SQL on this database with a short-lived client. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  drop(): Promise<void>;
}

/** The server the test run was given (`npm test` sets TEST_DATABASE_URL, embedded or real). */
export function adminConnection(): DbConnection {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the suite with `npm test`, which provides a server.');
  return parseDatabaseUrl(url);
}

export function connectionUrl(db: DbConnection): string {
  const auth = db.password ? `${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}` : encodeURIComponent(db.user);
  return `postgres://${auth}@${db.host}:${db.port}/${encodeURIComponent(db.database)}`;
}

async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
  const client = new pg.Client(clientConfig(adminConnection(), 'dbship-tests'));
  await client.connect();
  try {
    return await client.query<R>(sql, params);
  } finally {
    await client.end();
  }
}

/** Creates `dbship_<label>_<random>` on the test server. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `dbship_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${quoteIdent(name)}`);
  const connection = { ...adminConnection(), database: name };
  return {
    name,
    connection,
    url: connectionUrl(connection),
    async query(sql, params) {
      const client = new pg.Client(clientConfig(connection, 'dbship-tests'));
      await client.connect();
      try {
        return await client.query(sql, params);
      } finally {
        await client.end();
      }
    },
    async drop() {
      // A pool that was just ended may still be closing its sockets: give its sessions a moment to
      // go, so that FORCE does not terminate them under a client that would report it as an
      // uncaught error. Sessions still there after 2 s (a killed runner's backend) are ended by FORCE.
      for (let i = 0; i < 40; i++) {
        const { rows } = await adminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [name]);
        if (rows[0]!.n === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await adminQuery(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    },
  };
}
