import type { BenchServer } from './server.js';
import type { Summary } from './stats.js';

/** One line of the results table. */
export interface ResultRow {
  /** The subject measured, e.g. `dbship deploy`. */
  readonly subject: string;
  /** What was measured, e.g. `wall time`, `req/s`, `p99`. */
  readonly metric: string;
  readonly unit: string;
  /** Repeated measurements; null for a single count (see `value`). */
  readonly summary: Summary | null;
  /** A single figure or count when there is no distribution (e.g. `0 of 20 failed`). */
  readonly value?: string;
  /** Ratio of this subject's median to the named peer's median, measured in the same run. */
  readonly ratio?: { readonly to: string; readonly value: number };
  readonly note?: string;
}

/** What every benchmark gets. */
export interface BenchContext {
  readonly server: BenchServer;
  /** Measured repetitions: BENCH_REPS when set, else the benchmark's own default. */
  reps(fallback: number): number;
  /** Discarded warm-up rounds (BENCH_WARMUP, default 2). */
  readonly warmup: number;
  /** HTTP benchmarks: seconds per autocannon run (BENCH_HTTP_SECONDS). */
  readonly httpSeconds: number;
  /** Progress for a person: stderr. */
  log(line: string): void;
  /** A temporary folder removed when the run ends. */
  tempDir(prefix: string): string;
  /** Options of `npm run bench` meant for one benchmark: `--rows` (the online benchmark's table size). */
  readonly options: { readonly rows?: string | undefined };
}

/** A benchmark: `bench/<name>.ts` exports one as `benchmark`. */
export interface Benchmark {
  readonly name: string;
  readonly title: string;
  /** What the peer is and why it is the right comparison (printed under the table). */
  readonly method: string;
  /** Runs only when named (`npm run bench -- <name>`), not in a run of every benchmark (it takes long). */
  readonly namedOnly?: boolean;
  run(ctx: BenchContext): Promise<ResultRow[]>;
}

/** A row with a summary and, when `peer` is given, the ratio of medians to it. */
export function row(subject: string, metric: string, unit: string, summary: Summary, peer?: { name: string; summary: Summary }, note?: string): ResultRow {
  return {
    subject,
    metric,
    unit,
    summary,
    ...(peer ? { ratio: { to: peer.name, value: summary.median / peer.summary.median } } : {}),
    ...(note ? { note } : {}),
  };
}
