import type { SchemaReadiness } from 'dbship/service';

export interface ReadinessProbeOptions {
  /** How long an answer is reused (ms): a probe storm costs one query per interval. */
  readonly ttlMs?: number;
  /** An answer slower than this is "not ready" (ms); keep it under the kubelet's probe timeout. */
  readonly timeoutMs?: number;
  /** Called when readiness flips, and with the first answer. */
  readonly onChange?: (state: SchemaReadiness) => void;
  /** Clock, for tests. */
  readonly now?: () => number;
}

const SHUTTING_DOWN: SchemaReadiness = { ready: false, reason: 'shutting down' };

/**
 * `/readyz` behind a cache. Concurrent callers share one in-flight check, answers are reused for
 * `ttlMs`, and a check that hangs (database black-holed, pool exhausted) answers "not ready"
 * after `timeoutMs` instead of stalling the probe (and the next probe waits on that same check
 * rather than piling up another connection). Readiness is checked again after every
 * interval even once ready, because a restore or a failover can take the schema backwards.
 */
export class ReadinessProbe {
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private cached: { state: SchemaReadiness; at: number } | undefined;
  private inFlight: Promise<SchemaReadiness> | undefined;
  /** The database check itself; it can outlive a timed-out probe, and is never run twice at once. */
  private running: Promise<SchemaReadiness> | undefined;
  private last: SchemaReadiness | undefined;
  private draining = false;

  constructor(private readonly check: () => Promise<SchemaReadiness>, private readonly options: ReadinessProbeOptions = {}) {
    this.ttlMs = options.ttlMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 1_500;
    this.now = options.now ?? Date.now;
  }

  /** The current answer: cached, shared, or freshly checked. */
  async current(): Promise<SchemaReadiness> {
    if (this.draining) return SHUTTING_DOWN;
    if (this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.state;
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    const state = await this.inFlight;
    return this.draining ? SHUTTING_DOWN : state;
  }

  /** From now on the answer is "shutting down" (the server is draining). */
  beginShutdown(): void {
    if (!this.draining) this.notify(SHUTTING_DOWN);
    this.draining = true;
  }

  private async refresh(): Promise<SchemaReadiness> {
    this.running ??= this.check().finally(() => {
      this.running = undefined;
    });
    const state = await withTimeout(this.running, this.timeoutMs);
    this.cached = { state, at: this.now() };
    if (!this.draining) this.notify(state);
    return state;
  }

  private notify(state: SchemaReadiness): void {
    const prev = this.last;
    this.last = state;
    const changed = !prev || prev.ready !== state.ready || (!prev.ready && !state.ready && prev.reason !== state.reason);
    if (changed) this.options.onChange?.(state);
  }
}

async function withTimeout(check: Promise<SchemaReadiness>, ms: number): Promise<SchemaReadiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SchemaReadiness>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, reason: `database did not answer within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([check.catch((err: unknown) => ({ ready: false as const, reason: `readiness check failed: ${String((err as Error)?.message ?? err)}` })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
