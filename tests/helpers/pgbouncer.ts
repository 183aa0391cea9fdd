import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { DbConnection } from '../../packages/dbship/src/config/db-connection.js';
import { freePort } from '../../packages/dbship/src/dev/embedded.js';

/** How PgBouncer hands server connections to clients. */
export type PoolMode = 'session' | 'transaction' | 'statement';

export interface PgBouncerOptions {
  /** The PostgreSQL server behind it (host, port, user and password are used). */
  readonly server: DbConnection;
  readonly poolMode: PoolMode;
  /** Server connections per database and user (`default_pool_size`). */
  readonly poolSize: number;
}

/** A running PgBouncer on a loopback port, with its own configuration in a temporary folder. */
export interface PgBouncer {
  readonly port: number;
  readonly poolMode: PoolMode;
  /** `db` as reached through this PgBouncer (same database, user and password). */
  connection(db: DbConnection): DbConnection;
  /** Its log so far (connections, pool events), for diagnostics. */
  log(): string;
  /** Stops it (SIGTERM, then SIGKILL) and removes its folder. */
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'];

/** The pgbouncer binary, or null when it is not installed (`apt-get install pgbouncer`). */
export function findPgBouncer(): string | null {
  const onPath = spawnSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/**
 * Starts a real PgBouncer in front of `options.server`: `auth_type = trust` for clients (the
 * user must still be listed in its auth file, which also holds the password it logs in to the
 * server with), the given pool mode and size, no Unix socket. PgBouncer refuses to run as root,
 * so as root it is started with `-u nobody` and its folder is made world-readable.
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const binary = findPgBouncer();
  if (!binary) throw new Error('pgbouncer is not installed (apt-get install -y pgbouncer)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbship-pgbouncer-'));
  const port = await freePort();
  const { server } = options;
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  writeFileSync(path.join(dir, 'users.txt'), `${quote(server.user)} ${quote(server.password ?? '')}\n`);
  writeFileSync(path.join(dir, 'pgbouncer.ini'), [
    '[databases]',
    `* = host=${server.host} port=${server.port}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${path.join(dir, 'users.txt')}`,
    `pool_mode = ${options.poolMode}`,
    `default_pool_size = ${options.poolSize}`,
    'max_client_conn = 200',
    // The default server_reset_query (DISCARD ALL) applies in session mode only, as in production.
    'log_connections = 1',
    'log_disconnections = 1',
    '',
  ].join('\n'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    chmodSync(dir, 0o755);
    for (const f of ['users.txt', 'pgbouncer.ini']) chmodSync(path.join(dir, f), 0o644);
  }
  const args = [...(asRoot ? ['-u', 'nobody'] : []), path.join(dir, 'pgbouncer.ini')];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-100_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    await stopChild(child, exited);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitAccepting(port, server, child, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    port,
    poolMode: options.poolMode,
    connection: (db) => ({ ...db, host: '127.0.0.1', port }),
    log: () => output,
    stop,
  };
}

/** Polls until a client logs in through it and runs a query (bounded: 10 s). */
async function waitAccepting(port: number, server: DbConnection, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}: ${log()}`);
    const c = new pg.Client({ host: '127.0.0.1', port, user: server.user, password: server.password, database: server.database, connectionTimeoutMillis: 1_000 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('SELECT 1');
      return;
    } catch {
      await sleep(100);
    } finally {
      await c.end().catch(() => {});
    }
  }
  throw new Error(`pgbouncer did not accept connections on 127.0.0.1:${port}: ${log()}`);
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
