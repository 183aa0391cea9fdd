import { createHash, randomUUID } from 'node:crypto';
import { escapeIdentifier as q } from 'pg';
import { NO_TRANSACTION } from '../folder/files.js';
import type { Snapshot, SnapshotIndex } from '../folder/snapshot.js';
import { identifierBytes, MAX_IDENTIFIER_BYTES } from '../sql/identifier.js';
import type { PlannedMigration } from './plan.js';

/**
 * Rebuilding a table's indexes for a column substitution (an online rename or type change): the
 * final index is built next to the old one under a temporary name, `CREATE [UNIQUE] INDEX
 * CONCURRENTLY` in a no-transaction migration of its own, placed after the backfill (the new column
 * then holds every value) and before the contract; the contract, once the old column is dropped
 * (and its indexes with it), gives it its final name, or re-adds the unique constraint `USING INDEX`.
 */

/** One index to rebuild on the new column. */
export interface IndexRebuild {
  /** The index as the models define it once the change is complete (its final name included). */
  readonly target: SnapshotIndex;
  /** Its name while the old one still exists. */
  readonly temp: string;
  /**
   * The index as built in the window, when its columns differ from `target`'s: a type change builds
   * it on the shadow column, which takes the column's name at the contract (the index follows).
   */
  readonly build?: SnapshotIndex | undefined;
  /** Set for a unique constraint: the contract adds it `USING INDEX` (which renames the index). */
  readonly constraint?: { readonly nullsNotDistinct: boolean } | undefined;
}

/** The table the indexes are on. */
export interface IndexTable {
  readonly schema: string;
  readonly table: string;
  /** `schema.table` as the snapshot keys it. */
  readonly key: string;
}

/** `dbship_new_<name>`, or `dbship_new_<hash>` when that would pass 63 bytes. */
export function tempName(name: string): string {
  const plain = `dbship_new_${name}`;
  if (identifierBytes(plain) <= MAX_IDENTIFIER_BYTES) return plain;
  return `dbship_new_${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
}

const rel = (t: IndexTable) => `${q(t.schema)}.${q(t.table)}`;

/** `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS <name> ON <table> ...` for `index` under `name`. */
export function createIndexSql(t: IndexTable, index: SnapshotIndex, name: string, options: { concurrently: boolean; nullsNotDistinct?: boolean }): string {
  const columns = index.columns.map((c) => {
    const dflt = c.asc === false ? 'first' : 'last';
    const nulls = c.nulls && c.nulls !== dflt ? ` NULLS ${c.nulls.toUpperCase()}` : '';
    return `${c.isExpression ? c.expression : q(c.expression)}${c.opclass ? ` ${c.opclass}` : ''}${c.asc === false ? ' DESC' : ''}${nulls}`;
  });
  const withEntries = Object.entries(index.with ?? {});
  return [
    `CREATE ${index.isUnique ? 'UNIQUE ' : ''}INDEX ${options.concurrently ? 'CONCURRENTLY ' : ''}IF NOT EXISTS ${q(name)} ON ${rel(t)} USING ${index.method ?? 'btree'} (${columns.join(', ')})`,
    options.nullsNotDistinct ? ' NULLS NOT DISTINCT' : '',
    withEntries.length > 0 ? ` WITH (${withEntries.map(([k, v]) => `${k} = ${String(v)}`).join(', ')})` : '',
    index.where ? ` WHERE ${index.where}` : '',
    ';',
  ].join('');
}

/** `DROP INDEX CONCURRENTLY IF EXISTS` of a temporary index (the index step's down file). */
export function dropIndexSql(t: IndexTable, name: string, concurrently = true): string {
  return `DROP INDEX ${concurrently ? 'CONCURRENTLY ' : ''}IF EXISTS ${q(t.schema)}.${q(name)};`;
}

/** `snapshot` with the temporary indexes, as they stand between the index step and the contract. */
export function withTempIndexes(snapshot: Snapshot, t: IndexTable, rebuilds: readonly IndexRebuild[]): Snapshot {
  const copy = structuredClone(snapshot);
  const table = copy.tables[t.key]!;
  for (const r of rebuilds) table.indexes[r.temp] = { ...structuredClone(r.build ?? r.target), name: r.temp, concurrently: false };
  return copy;
}

/**
 * The first statement of an online index step: the build runs in this session's own backend, with
 * no parallel workers, so it never takes every core from the app's queries (measured on 2 cores:
 * the parallel build of a 5,000,000-row key index is what put the app's p99 above 2x its level).
 * The session is reset after the migration.
 */
export const ONE_BUILD_WORKER = 'SET max_parallel_maintenance_workers = 0;';
export const ONE_BUILD_WORKER_NOTE = '-- The build uses one backend and no parallel workers, leaving the other cores to the app.';

const REPEATABLE_DROP = '-- dbship:allow no-transaction-multiple-statements each statement is safe to repeat: IF EXISTS skips an index already dropped\n';
const REPEATABLE = '-- dbship:allow no-transaction-multiple-statements each statement is safe to repeat: a build skips an index that exists (an INVALID leftover is dropped first), and validating a valid constraint does nothing\n';

/**
 * The no-transaction migration that builds the temporary indexes concurrently (each statement on
 * its own: writes go on while it builds), then runs `validations` (VALIDATE CONSTRAINT of the
 * window's checks, which need the backfill done). A build stopped midway leaves its index INVALID;
 * the next run drops it (it is this migration's own) and builds it again. Its down file drops them
 * concurrently. Its snapshot is `snapshot` with the temporary indexes.
 */
export function indexStepMigration(name: string, t: IndexTable, rebuilds: readonly IndexRebuild[], snapshot: Snapshot, header: readonly string[], validations: readonly string[] = []): PlannedMigration {
  // Every statement is safe to repeat, which is what the lint rule on several statements asks.
  const statements = [...rebuilds.map((r) => createIndexSql(t, r.build ?? r.target, r.temp, { concurrently: true, nullsNotDistinct: r.constraint?.nullsNotDistinct })), ...validations];
  return {
    name,
    header: [`-- ${NO_TRANSACTION}`, ...header, ONE_BUILD_WORKER_NOTE],
    up: [ONE_BUILD_WORKER, ...statements.map((x, i) => (i === 1 ? `${REPEATABLE}${x}` : x))],
    downHeader: [`-- ${NO_TRANSACTION}`, '-- Drops the indexes built for the new column, without blocking writes.'],
    down: rebuilds.map((r, i) => `${i === 1 ? REPEATABLE_DROP : ''}${dropIndexSql(t, r.temp)}`),
    transactional: false,
    snapshot: { ...withTempIndexes(snapshot, t, rebuilds), id: randomUUID(), prevId: snapshot.id },
  };
}

/**
 * The contract's statements, once the old column (and its indexes) are gone: each temporary index
 * takes its final name, a unique constraint is re-added on it (`USING INDEX`, no scan).
 */
export function finalizeIndexes(t: IndexTable, rebuilds: readonly IndexRebuild[]): string[] {
  return rebuilds.map((r) => r.constraint
    ? `ALTER TABLE ${rel(t)} ADD CONSTRAINT ${q(r.target.name)} UNIQUE USING INDEX ${q(r.temp)};`
    : `ALTER INDEX ${q(t.schema)}.${q(r.temp)} RENAME TO ${q(r.target.name)};`);
}

/**
 * The contract's down: the final indexes become the temporary ones again (a unique constraint is
 * dropped and its index rebuilt, in the transaction: not online, as the rest of that down file).
 */
export function unfinalizeIndexes(t: IndexTable, rebuilds: readonly IndexRebuild[]): string[] {
  return rebuilds.flatMap((r) => r.constraint
    ? [`ALTER TABLE ${rel(t)} DROP CONSTRAINT ${q(r.target.name)};`, createIndexSql(t, r.target, r.temp, { concurrently: false, nullsNotDistinct: r.constraint.nullsNotDistinct })]
    : [`ALTER INDEX ${q(t.schema)}.${q(r.target.name)} RENAME TO ${q(r.temp)};`]);
}
