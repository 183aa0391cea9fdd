import autocannon from 'autocannon';

/** One bounded load run's outcome. */
export interface LoadResult {
  /** Mean requests per second over the run. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Completed responses. */
  readonly completed: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

export interface LoadOptions {
  readonly url: string;
  readonly connections?: number;
  /** Seconds; the run stops by itself. */
  readonly seconds: number;
  readonly requests: autocannon.Request[];
}

/** Runs autocannon against one loopback URL for a bounded time. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (!/^http:\/\/127\.0\.0\.1:\d+/.test(options.url)) throw new Error(`load is only generated against 127.0.0.1 (got ${options.url})`);
  const result = await autocannon({
    url: options.url,
    connections: options.connections ?? 10,
    duration: options.seconds,
    timeout: 10,
    requests: options.requests,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    completed: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
