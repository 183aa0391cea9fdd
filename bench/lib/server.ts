import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DbConnection } from '../../packages/dbship/src/config/db-connection.js';
import { parseDatabaseUrl } from '../../packages/dbship/src/config/db-url.js';
import { clientConfig, quoteIdent } from '../../packages/dbship/src/db/pool.js';

/** One scratch database on the benchmark server. */
export interface BenchDatabase {
  readonly name: string;
  readonly connection: DbConnection;
  /** Full URL (with password) for child processes' environment; never printed. */
  readonly url: string;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  drop(): Promise<void>;
}

/** The PostgreSQL server the benchmarks run against. */
export interface BenchServer {
  readonly admin: DbConnection;
  /** `machine (BENCH_DATABASE_URL)`, `embedded`, ... for the report. */
  readonly origin: string;
  /** `SHOW server_version`. */
  version(): Promise<string>;
  createDatabase(label: string): Promise<BenchDatabase>;
  stop(): Promise<void>;
}

/** `postgres://user:pass@host:port/db` for a child process's environment. */
export function urlOf(db: DbConnection): string {
  const auth = db.password ? `${encodeURIComponent(db.user)}:${encodeURIComponent(db.password)}` : encodeURIComponent(db.user);
  return `postgres://${auth}@${db.host}:${db.port}/${encodeURIComponent(db.database)}`;
}

async function once<T>(db: DbConnection, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(clientConfig(db, 'dbship-bench'));
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The server named by BENCH_DATABASE_URL or TEST_DATABASE_URL, else an embedded PostgreSQL
 * started in a temporary folder (and stopped by `stop()`).
 */
export async function openBenchServer(env: NodeJS.ProcessEnv = process.env): Promise<BenchServer> {
  const named = env.BENCH_DATABASE_URL ? 'BENCH_DATABASE_URL' : env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : undefined;
  if (named) return serverFor(parseDatabaseUrl(env[named]!), `the server named by ${named}`, async () => {});
  const { startEmbedded } = await import('../../packages/dbship/src/dev/embedded.js');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbship-bench-pg-'));
  const embedded = await startEmbedded({ dir, persistent: false });
  return serverFor(embedded.admin, 'embedded PostgreSQL (fsync=off)', async () => {
    await embedded.stop();
    rmSync(dir, { recursive: true, force: true });
  });
}

function serverFor(admin: DbConnection, origin: string, stop: () => Promise<void>): BenchServer {
  const created = new Set<string>();
  return {
    admin,
    origin,
    version: () => once(admin, async (c) => String((await c.query('SHOW server_version')).rows[0]?.server_version)),
    async createDatabase(label) {
      const name = `dbship_bench_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase().slice(0, 24)}_${randomBytes(3).toString('hex')}`;
      await once(admin, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
      created.add(name);
      const connection: DbConnection = { ...admin, database: name };
      return {
        name,
        connection,
        url: urlOf(connection),
        query: (sql, params) => once(connection, (c) => c.query(sql, params)),
        async drop() {
          await once(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
          created.delete(name);
        },
      };
    },
    async stop() {
      for (const name of created) {
        await once(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)).catch(() => {});
      }
      await stop();
    },
  };
}
