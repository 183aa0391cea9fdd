import pg from 'pg';
import { DbshipError } from '../../errors.js';

/**
 * How long the probe connection waits for a server connection. A session-mode pool that is full
 * (e.g. `default_pool_size = 1`, held by this runner) queues it: that wait is itself the proof
 * that the runner's server session is not shared.
 */
const PROBE_WAIT_MS = 1_500;

/** What {@link checkSessionPinned} found out about the runner's connection. */
export interface PinnedSession {
  /** The server process serving the runner (`pg_backend_pid()`), stable for the session. */
  readonly backendPid: number;
  /** A pooler sits in the path (it keeps the session pinned, e.g. PgBouncer in session mode). */
  readonly pooled: boolean;
  /** Set when a pooler was seen but the pinning could not be verified (the probe could not connect). */
  readonly unverified?: string;
}

/**
 * Makes sure `client` talks to ONE PostgreSQL session for its whole life, as the session-level
 * migration lock needs, and refuses a transaction- or statement-mode pooler before anything runs.
 *
 * A direct connection is recognised at no cost: the key the server sends at start-up
 * (BackendKeyData) carries its own process id, equal to `pg_backend_pid()`. Poolers (PgBouncer,
 * and the others that multiplex server connections) answer the start-up themselves with a key
 * of their own. Then probe connections check the pooling mode: each opens a transaction (which
 * pins a server connection in any mode) and reads its server pid, up to {@link MAX_PROBES}. A
 * transaction pooler soon hands one of them the runner's idle server connection (the same pid),
 * or, with the probes holding servers, moves or queues the runner's next transaction. A session
 * pooler never does: the runner's server is its own (and a full pool queues the probe instead).
 * Throws `TRANSACTION_POOLER` (exit 2).
 */
export async function checkSessionPinned(client: pg.ClientBase & { processID?: number | null }, probeConfig: pg.ClientConfig): Promise<PinnedSession> {
  const backendPid = await serverPid(client);
  if (client.processID === backendPid) return { backendPid, pooled: false };
  const probes: pg.Client[] = [];
  try {
    for (let i = 0; i < MAX_PROBES; i++) {
      const probe = await openProbe(probeConfig);
      if (typeof probe === 'string') return { backendPid, pooled: true, unverified: probe };
      probes.push(probe);
      const probePid = await withinProbeWait(transactionPid(probe));
      if (probePid === QUEUED) break;
      if (probePid === backendPid) throw refuse(`another connection was handed this runner's server session (backend pid ${backendPid})`);
    }
    // A pinned session answers at once; a transaction pooler moves it, or queues it behind the probes.
    const again = await withinProbeWait(serverPid(client));
    if (again === QUEUED) throw refuse("the runner's next transaction had to wait for a free server connection");
    if (again !== backendPid) throw refuse(`the runner's server session changed between two transactions (backend pid ${backendPid}, then ${again})`);
    return { backendPid, pooled: true };
  } finally {
    for (const probe of probes) destroy(probe);
  }
}

/** How many probe transactions may hold server connections at once during the check. */
const MAX_PROBES = 3;

/** A connected probe, or why it could not connect. */
async function openProbe(config: pg.ClientConfig): Promise<pg.Client | string> {
  const probe = new pg.Client({ ...config, connectionTimeoutMillis: PROBE_WAIT_MS * 2 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return probe;
  } catch (err) {
    return `the probe connection failed (${(err as Error).message})`;
  }
}

const QUEUED = Symbol('queued');

/** The probe's server pid inside an open transaction; a pooler refusing transactions is refused. */
async function transactionPid(probe: pg.Client): Promise<number> {
  try {
    await probe.query('BEGIN');
    return await serverPid(probe);
  } catch (err) {
    throw refuse(`a second connection could not open a transaction (${(err as Error).message})`);
  }
}

/** `work`'s result, or QUEUED when the pooler keeps it waiting for a server connection. */
async function withinProbeWait<T>(work: Promise<T>): Promise<T | typeof QUEUED> {
  let timer: NodeJS.Timeout | undefined;
  const queued = new Promise<typeof QUEUED>((resolve) => (timer = setTimeout(resolve, PROBE_WAIT_MS, QUEUED)));
  try {
    return await Promise.race([work, queued]);
  } finally {
    clearTimeout(timer);
    work.catch(() => {});
  }
}

async function serverPid(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0]!.pid;
}

function refuse(evidence: string): DbshipError {
  return new DbshipError('TRANSACTION_POOLER', `the migration connection goes through a connection pooler in transaction (or statement) pooling mode, e.g. PgBouncer with pool_mode = transaction: ${evidence}`, {
    why: 'the migration lock is a PostgreSQL session lock, and such a pooler hands every transaction to any server connection: two runners could both "hold" the lock and run a migration twice, and a pooled server connection could keep the lock after its runner exited. Nothing was run.',
    fix: "connect migrations to PostgreSQL directly: set MIGRATE_DATABASE_URL to the server's own address (the app keeps DATABASE_URL through the pooler), or point them at a session-mode pool. See docs/deploy.md, \"Connection poolers\".",
  });
}

/** Closes the probe at once, even with a query still queued in the pooler (end() would wait). */
function destroy(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  stream?.destroy();
}
