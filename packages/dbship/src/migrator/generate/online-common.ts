import { DbshipError } from '../../errors.js';
import type { Snapshot, SnapshotTable } from '../folder/snapshot.js';

/** What the online change planners share: their refusal, the table's key column, schema equality. */

/** Generate's refusal of an online change it cannot carry out safely (nothing is written). */
export function refuse(message: string, why: string, fix: string): never {
  throw new DbshipError('GENERATE_FAILED', message, { why, fix });
}

/** The single-column primary key the backfill batches by; refuses a table without one. */
export function primaryKey(table: SnapshotTable, tableKey: string): string {
  const single = Object.values(table.columns).filter((c) => c.primaryKey).map((c) => c.name);
  const composite = Object.values(table.compositePrimaryKeys ?? {}).map((k) => k.columns);
  const keys = single.length > 0 ? single : composite.length === 1 ? composite[0]! : [];
  if (keys.length !== 1) {
    refuse(`${tableKey} has no single-column primary key`, 'the backfill walks the table in batches of one key column, and resumes after the last key it committed.', 'add a single-column primary key first, or make the change by hand with expand/contract (docs/workflow.md).');
  }
  return keys[0]!;
}

/**
 * The name of the primary key constraint when `column` alone is the table's key, else null: for an
 * inline `.primaryKey()` the name PostgreSQL gives it, `<table>_pkey`; for a one-column
 * `primaryKey({ columns, name })` the snapshot's name (an adopted database's key often has its own).
 */
export function keyConstraint(table: SnapshotTable, column: string): string | null {
  if (table.columns[column]?.primaryKey) return `${table.name}_pkey`;
  const named = Object.values(table.compositePrimaryKeys ?? {}).find((k) => k.columns.length === 1 && k.columns[0] === column);
  return named?.name ?? null;
}

/** The two snapshots describe the same schema (ids apart). */
export function sameSchema(a: Snapshot, b: Snapshot): boolean {
  const strip = (s: Snapshot) => JSON.stringify(sortKeys({ ...s, id: '', prevId: '' }));
  return strip(a) === strip(b);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}
