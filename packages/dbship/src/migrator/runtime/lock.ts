import type pg from 'pg';
import { DbshipError } from '../../errors.js';
import { isUndefinedRelation, sqlState, SqlState } from '../../db/sqlstate.js';
import type { Actor } from './tracking.js';
import { trackingOf } from './tracking-names.js';

/** The advisory lock key: the ASCII of "dbship" and a version, one per database. */
export const LOCK_KEY = 0x6462736869700001n;
const LOCK_CLASSID = Number(LOCK_KEY >> 32n);
const LOCK_OBJID = Number(LOCK_KEY & 0xffffffffn);
/** How long one blocking wait lasts before the waiter looks up the holder again. */
const WAIT_SLICE_MS = 2_000;
const REPORT_EVERY_MS = 10_000;

/** Who holds the migration lock, as far as the database can tell. */
export interface LockHolder {
  readonly backendPid: number;
  readonly host: string | null;
  readonly pid: number | null;
  readonly image: string | null;
  readonly since: Date | null;
  readonly applicationName: string | null;
}

export interface LockOptions {
  /** Give up after this long (ms). */
  readonly waitMs: number;
  readonly signal?: AbortSignal;
  /** Called when the lock is busy, then about every 10 s while waiting. */
  readonly onWait?: (holder: LockHolder | null, waitedMs: number) => void;
}

/** `application_name` that lets a waiting runner name the holder even before bootstrap. */
export function applicationName(actor: Actor): string {
  return `dbship:${actor.host}:${process.pid}`.slice(0, 63);
}

/**
 * Takes the session-level migration advisory lock on `client` (one pinned connection), waiting
 * up to `waitMs`. Waits are blocking slices bounded by `lock_timeout`, so the lock is handed
 * over the moment the holder releases it; between slices the waiter reports who holds it.
 * Returns how long it waited (ms). Throws `LOCK_TIMEOUT` (exit 4) naming the holder.
 */
export async function acquireMigrationLock(client: pg.ClientBase, options: LockOptions): Promise<number> {
  const started = Date.now();
  const { rows } = await client.query('SELECT pg_try_advisory_lock($1) AS ok', [LOCK_KEY.toString()]);
  if (rows[0]?.ok === true) return 0;
  let lastReport = -Infinity;
  for (;;) {
    const waited = Date.now() - started;
    if (options.signal?.aborted) throw interrupted(options.signal);
    if (waited - lastReport >= REPORT_EVERY_MS) {
      options.onWait?.(await findLockHolder(client), waited);
      lastReport = waited;
    }
    const remaining = options.waitMs - waited;
    if (remaining <= 0) throw await lockTimeout(client, options.waitMs);
    if (await waitSlice(client, Math.min(remaining, WAIT_SLICE_MS))) return Date.now() - started;
  }
}

async function waitSlice(client: pg.ClientBase, ms: number): Promise<boolean> {
  await client.query(`SET lock_timeout = ${Math.max(1, Math.round(ms))}`);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY.toString()]);
    return true;
  } catch (err) {
    if (sqlState(err) === SqlState.LockNotAvailable) return false;
    throw err;
  } finally {
    await client.query('RESET lock_timeout');
  }
}

/** Releases the lock (also released by PostgreSQL when the session ends, e.g. after a crash). */
export async function releaseMigrationLock(client: pg.ClientBase): Promise<void> {
  await client.query(`DELETE FROM ${trackingOf(client).lockHolder} WHERE backend_pid = pg_backend_pid()`).catch(() => {});
  await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY.toString()]);
}

/** Records this runner as the holder (read by waiting runners and `dbship status`). */
export async function recordLockHolder(client: pg.ClientBase, actor: Actor): Promise<void> {
  await client.query(
    `INSERT INTO ${trackingOf(client).lockHolder} (id, host, pid, image, backend_pid, started_at)
     VALUES (1, $1, $2, $3, pg_backend_pid(), now())
     ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, image = EXCLUDED.image,
       backend_pid = EXCLUDED.backend_pid, started_at = EXCLUDED.started_at`,
    [actor.host, process.pid, actor.image],
  );
}

/** The session holding the migration lock on this database, or null when free. */
export async function findLockHolder(client: pg.ClientBase): Promise<LockHolder | null> {
  const { rows } = await client.query(
    `SELECT a.pid, a.application_name, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [LOCK_CLASSID, LOCK_OBJID],
  );
  const session = rows[0];
  if (!session) return null;
  const fromName = /^dbship:(.*):(\d+)$/.exec(session.application_name ?? '');
  let recorded: { host: string; pid: number; image: string | null; started_at: Date } | undefined;
  try {
    const r = await client.query(`SELECT host, pid, image, started_at FROM ${trackingOf(client).lockHolder} WHERE backend_pid = $1`, [session.pid]);
    recorded = r.rows[0];
  } catch (err) {
    if (!isUndefinedRelation(err)) throw err;
  }
  return {
    backendPid: session.pid,
    host: recorded?.host ?? fromName?.[1] ?? null,
    pid: recorded?.pid ?? (fromName ? Number(fromName[2]) : null),
    image: recorded?.image ?? null,
    since: recorded?.started_at ?? session.backend_start ?? null,
    applicationName: session.application_name || null,
  };
}

/** "pod-x (pid 12, image app:1.4) since 12:00:01Z" */
export function describeHolder(holder: LockHolder | null): string {
  if (!holder) return 'another session (it released the lock meanwhile)';
  const who = holder.host ?? holder.applicationName ?? `backend ${holder.backendPid}`;
  const extra = [holder.pid !== null ? `pid ${holder.pid}` : null, holder.image ? `image ${holder.image}` : null]
    .filter(Boolean)
    .join(', ');
  const since = holder.since ? ` since ${holder.since.toISOString()}` : '';
  return `${who}${extra ? ` (${extra})` : ''}${since}`;
}

async function lockTimeout(client: pg.ClientBase, waitMs: number): Promise<DbshipError> {
  const holder = await findLockHolder(client).catch(() => null);
  return new DbshipError('LOCK_TIMEOUT', `the migration lock was not acquired within ${Math.round(waitMs / 1000)} s: held by ${describeHolder(holder)}`, {
    why: 'another runner is applying migrations (or is stuck) on this database.',
    fix: holder
      ? `wait for it to finish, or if it is stuck end its session: SELECT pg_terminate_backend(${holder.backendPid}); then run again. Raise MIGRATE_LOCK_WAIT to wait longer.`
      : 'run again; raise MIGRATE_LOCK_WAIT to wait longer.',
  });
}

export function interrupted(signal: AbortSignal): DbshipError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'interrupted';
  return new DbshipError('INTERRUPTED', `stopped: ${reason}`, {
    why: 'the runner was asked to stop; the migration in progress (if any) was rolled back.',
    fix: 'run again to apply the remaining migrations.',
  });
}
