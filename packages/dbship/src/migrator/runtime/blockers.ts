import pg from 'pg';

/** A session that blocks the runner's statement, as `pg_blocking_pids` names it. */
export interface Blocker {
  readonly pid: number;
  /** `active`, `idle in transaction`, ... */
  readonly state: string | null;
  readonly applicationName: string | null;
  /** Its current or last query, literals masked, truncated: never a value. */
  readonly query: string;
  /** How long its transaction (or, outside one, its query) has been running (ms). */
  readonly ageMs: number | null;
}

/** One sample in progress: cancelled when the statement ends first. */
export interface BlockerSample {
  /** Stops the timer if it has not fired yet. */
  cancel(): void;
  /** The blockers seen (empty when not sampled, or nothing blocked). Never throws. */
  result(): Promise<Blocker[]>;
}

const QUERY_CHARS = 120;
const OBSERVER_TIMEOUT_MS = 5_000;

/**
 * Names the sessions a migration statement waits for. A statement that hit `lock_timeout` no
 * longer waits, so who blocked it must be read while it waits: a timer fires halfway through
 * the timeout and a second connection (opened once there is work to do) asks
 * `pg_blocking_pids` about the runner's backend.
 */
export class BlockerWatch {
  private observer: Promise<pg.Client | null> | undefined;

  constructor(private readonly config: pg.ClientConfig, private readonly backendPid: number) {}

  /**
   * Opens the observer connection in the background, so that it is ready before the first
   * statement could wait (a lazily opened one can miss a short lock_timeout on a loaded host).
   * Called once there is something to apply; never fails.
   */
  warm(): void {
    this.observer ??= this.connect();
  }

  /**
   * Samples the blockers of the runner's backend every `everyMs` while a statement may still be
   * waiting for its lock (until `lockTimeoutMs`), keeping the last sessions seen: one sample
   * that the server runs late must not lose them on a loaded host.
   */
  sampleWhileWaiting(everyMs: number, lockTimeoutMs: number): BlockerSample {
    const started = performance.now();
    let stopped = false;
    let last: Blocker[] = [];
    let inFlight: Promise<void> | undefined;
    let timer: NodeJS.Timeout | undefined;
    const tick = () => {
      inFlight = this.sample().then((found) => {
        if (found.length > 0) last = found;
        if (!stopped && performance.now() - started + everyMs < lockTimeoutMs) timer = setTimeout(tick, everyMs);
      });
    };
    timer = setTimeout(tick, Math.max(10, everyMs));
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
    };
    return {
      cancel: stop,
      result: async () => {
        stop();
        await inFlight;
        return last;
      },
    };
  }

  /** Closes the observer connection, if one was opened. */
  async close(): Promise<void> {
    const client = await this.observer?.catch(() => null);
    await client?.end().catch(() => {});
  }

  private async sample(): Promise<Blocker[]> {
    const client = await (this.observer ??= this.connect());
    if (!client) {
      this.observer = undefined; // try again at the next sample
      return [];
    }
    try {
      const { rows } = await client.query<{ pid: number; state: string | null; application_name: string | null; query: string | null; age_ms: number | null }>(
        `SELECT a.pid, a.state, a.application_name, a.query,
                (extract(epoch FROM now() - coalesce(a.xact_start, a.query_start)) * 1000)::float8 AS age_ms
           FROM pg_stat_activity a
          WHERE a.pid = ANY (pg_blocking_pids($1))
          ORDER BY a.xact_start NULLS LAST, a.pid`,
        [this.backendPid],
      );
      return rows.map((r) => ({ pid: r.pid, state: r.state, applicationName: r.application_name || null, query: maskQuery(r.query ?? ''), ageMs: r.age_ms === null ? null : Math.round(r.age_ms) }));
    } catch {
      return [];
    }
  }

  private async connect(): Promise<pg.Client | null> {
    const client = new pg.Client({ ...this.config, connectionTimeoutMillis: OBSERVER_TIMEOUT_MS, query_timeout: OBSERVER_TIMEOUT_MS });
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch {
      return null;
    }
  }
}

/**
 * A query as it may be shown: string, dollar-quoted and numeric literals replaced by `?` (a
 * value never reaches a log), whitespace folded, truncated to a line.
 */
export function maskQuery(query: string): string {
  const masked = query
    .replace(/\$([A-Za-z_][A-Za-z_0-9]*)?\$[\s\S]*?(?:\$\1\$|$)/g, '?')
    .replace(/[EeBbXxUu]?&?'(?:[^']|'')*(?:'|$)/g, '?')
    .replace(/(?<![\w$.])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
  return masked.length > QUERY_CHARS ? `${masked.slice(0, QUERY_CHARS - 3)}...` : masked;
}

/** `pid 4242 (idle in transaction for 12.3 s, application psql): UPDATE users SET name = ? WHERE id = ?` */
export function describeBlockers(blockers: readonly Blocker[]): string | undefined {
  if (blockers.length === 0) return undefined;
  const one = (b: Blocker) => {
    const facts = [b.state ? `${b.state}${b.ageMs !== null ? ` for ${(b.ageMs / 1000).toFixed(1)} s` : ''}` : null, b.applicationName ? `application ${b.applicationName}` : null].filter(Boolean);
    return `pid ${b.pid}${facts.length ? ` (${facts.join(', ')})` : ''}: ${b.query || '(no query text)'}`;
  };
  const more = blockers.length > 2 ? `; and ${blockers.length - 2} more` : '';
  return blockers.slice(0, 2).map(one).join('; ') + more;
}
