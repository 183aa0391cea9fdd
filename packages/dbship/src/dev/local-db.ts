import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { DbConnection } from '../config/db-connection.js';
import { clientConfig, quoteIdent } from '../db/pool.js';
import { sqlState, SqlState } from '../db/sqlstate.js';
import { DbshipError } from '../errors.js';
import { startEmbedded } from './embedded.js';

/** The development database: the embedded server's `dbship` database in `<cwd>/.data`. */
export interface LocalDatabase {
  readonly db: DbConnection;
  /** How it was reached, for a log line. */
  readonly how: string;
  /** Stops the server when this process started it. */
  release(): Promise<void>;
}

const DATABASE = 'dbship';

/** Where a running `npm start` advertises its embedded server. */
function serverFile(dataDir: string): string {
  return path.join(dataDir, 'server.json');
}

/** Called by `npm start` once the embedded server runs; removed again on shutdown. */
export function advertise(dataDir: string, admin: DbConnection): () => void {
  writeFileSync(serverFile(dataDir), JSON.stringify({ pid: process.pid, port: admin.port }));
  return () => rmSync(serverFile(dataDir), { force: true });
}

/**
 * With no database configured, development commands use the embedded server: the one a running
 * `npm start` advertises in `.data/server.json`, or one started just for this command.
 */
export async function localDatabase(cwd: string): Promise<LocalDatabase> {
  const dataDir = path.resolve(cwd, '.data');
  const running = readAdvertised(dataDir);
  if (running) {
    const admin: DbConnection = { host: '127.0.0.1', port: running.port, database: 'postgres', user: 'postgres', password: 'postgres', ssl: 'disable' };
    return { db: await ensureDatabase(admin), how: `the embedded PostgreSQL of the running \`npm start\` (pid ${running.pid})`, release: async () => {} };
  }
  const server = await startEmbedded({ dir: dataDir });
  try {
    return { db: await ensureDatabase(server.admin), how: `the embedded PostgreSQL in ${dataDir}`, release: () => server.stop() };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

function readAdvertised(dataDir: string): { pid: number; port: number } | null {
  const file = serverFile(dataDir);
  if (!existsSync(file)) return null;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; port: number };
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}

/** Creates the `dbship` database when missing; returns the connection to it. */
export async function ensureDatabase(admin: DbConnection): Promise<DbConnection> {
  const client = new pg.Client(clientConfig(admin, 'dbship:dev'));
  try {
    await client.connect();
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${quoteIdent(DATABASE)}`).catch((err) => {
      if (sqlState(err) !== SqlState.DuplicateDatabase) throw err;
    });
  } catch (err) {
    if (err instanceof DbshipError) throw err;
    throw new DbshipError('EMBEDDED_UNAVAILABLE', 'the embedded PostgreSQL did not answer', { cause: err, fix: 'stop `npm start` and try again, or delete .data/server.json.' });
  } finally {
    await client.end().catch(() => {});
  }
  return { ...admin, database: DATABASE };
}
