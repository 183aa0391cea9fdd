import type pg from 'pg';
import { percentiles } from './stats.js';

/**
 * What the online-change rollout test (tests/rollout/online-change.ts, HTTP through the example
 * service) and the online benchmark (bench/online.ts, plain pg clients) share: the request
 * counters of one phase, the wait helper, and the row-by-row check of the table at the end.
 */

/** Requests of one phase of a rollout. */
export interface Stats {
  requests: number;
  failed: number;
  /** The first few failures and divergences, for the report. */
  samples: string[];
  /** A value written through one release and read back through the other (or itself), different. */
  divergent: number;
  /** Latency (ms) of every request that got an answer. */
  latencies: number[];
}

export const newStats = (): Stats => ({ requests: 0, failed: 0, samples: [], divergent: 0, latencies: [] });

/** Keeps `text` as a sample (at most 5 per phase). */
export function sample(stats: Stats, text: string): void {
  if (stats.samples.length < 5) stats.samples.push(text);
}

/**
 * Runs one request, counting it and its latency in `stats`; a throw counts as failed (with
 * `what` and the reason as a sample) and gives null.
 */
export async function timed<T>(stats: Stats, what: string, request: () => Promise<T>): Promise<T | null> {
  stats.requests++;
  const started = performance.now();
  try {
    const result = await request();
    stats.latencies.push(performance.now() - started);
    return result;
  } catch (err) {
    stats.failed++;
    sample(stats, `${what}: ${(err as Error).message}`);
    return null;
  }
}

/** Waits until `ready()`, at most `ms`. */
export async function until(ready: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One line: requests, failures, divergences and latency percentiles of a phase. */
export function describeStats(name: string, s: Stats): string {
  const l = percentiles(s.latencies);
  return `${name.padEnd(26)} ${s.requests} requests, ${s.failed} failed, ${s.divergent} divergent read-backs, p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms`;
}

/** The value each row must hold at the end: the last write acknowledged for it, by key. */
export type Expected = Map<number, string | null>;

/** A client, a pool or a test database: anything that runs one statement with parameters. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface RowCheck {
  /** Rows in the table. */
  readonly checked: number;
  /** Rows written during the change (the expected map's size). */
  readonly written: number;
  /** Rows whose value differs from what they must hold, rows that should not exist, acknowledged rows missing. */
  readonly lost: number;
  /** Up to 10 of them: `id: value (want ...)`. */
  readonly examples: string[];
}

/**
 * Checks every row of `table` in the database, row by row: a row written during the change must
 * hold the last value acknowledged for it (`expected`, compared as text), a seeded row (key up to
 * `seededUpTo`) the value `seededSql` gives (an SQL expression over `t.<key>`), and no other row
 * may exist; every acknowledged row must exist. Done in one SQL statement, so millions of rows
 * need not travel to the client.
 */
export async function checkRows(db: Queryable, options: { table: string; key: string; column?: string; valueSql?: string | undefined; expected: Expected; seededUpTo: number; seededSql: string }): Promise<RowCheck> {
  // The value as read: the column, or an expression over `t` (the parts of a split column, joined).
  const value = options.valueSql ?? (options.column ? `t.${options.column}` : undefined);
  if (value === undefined) throw new Error('checkRows needs the column or an SQL expression for the value');
  const ids = [...options.expected.keys()];
  const values = ids.map((id) => options.expected.get(id) ?? null);
  const wrong = `
    WITH e AS (SELECT * FROM unnest($1::bigint[], $2::text[]) AS e(id, value)),
    wrong AS (
      SELECT t.${options.key}::bigint AS id, (${value})::text AS value,
             CASE WHEN e.id IS NOT NULL THEN e.value WHEN t.${options.key} <= $3 THEN (${options.seededSql})::text END AS want,
             CASE WHEN e.id IS NULL AND t.${options.key} > $3 THEN 'a row nobody acknowledged' END AS why
        FROM ${options.table} t LEFT JOIN e ON e.id = t.${options.key}
       WHERE CASE WHEN e.id IS NOT NULL THEN (${value})::text IS DISTINCT FROM e.value
                  WHEN t.${options.key} <= $3 THEN (${value})::text IS DISTINCT FROM (${options.seededSql})::text
                  ELSE true END
      UNION ALL
      SELECT e.id, NULL, e.value, 'missing' FROM e WHERE NOT EXISTS (SELECT 1 FROM ${options.table} t WHERE t.${options.key} = e.id)
    )
    SELECT (SELECT count(*) FROM ${options.table})::bigint AS checked, (SELECT count(*) FROM wrong)::bigint AS lost,
           (SELECT json_agg(w) FROM (SELECT * FROM wrong ORDER BY id LIMIT 10) w) AS examples`;
  const r = await db.query<{ checked: string; lost: string; examples: Array<{ id: number; value: string | null; want: string | null; why: string | null }> | null }>(wrong, [ids, values, options.seededUpTo]);
  const row = r.rows[0]!;
  return {
    checked: Number(row.checked),
    written: ids.length,
    lost: Number(row.lost),
    examples: (row.examples ?? []).map((w) => `${w.id}: ${w.why ?? JSON.stringify(w.value)} (want ${JSON.stringify(w.want)})`),
  };
}
