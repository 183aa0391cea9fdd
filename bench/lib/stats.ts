/** Summary of repeated measurements of one quantity. */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Interquartile range / median (0.05 = the middle half lies within 5 %). */
  readonly relIqr: number;
}

/** The q-quantile (0..1) of sorted values, linear interpolation between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

/** Median, extremes and relative interquartile range of `values`. */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((x, y) => x - y);
  const median = quantile(sorted, 0.5);
  const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
  return {
    n: sorted.length,
    median,
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    relIqr: median === 0 ? 0 : iqr / median,
  };
}

/** Latency percentiles (ms) of a list of samples. */
export function percentiles(samples: readonly number[]): { p50: number; p99: number; max: number; n: number } {
  const sorted = [...samples].sort((x, y) => x - y);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN, n: sorted.length };
}
