import { randomUUID } from 'node:crypto';
import { NO_TRANSACTION } from './files.js';
import type { DrizzleKit } from './generate-kit.js';
import { applySafeForms, concurrentCreateIndex, concurrentDropIndex, type MovedIndex } from './safe-forms.js';
import type { Snapshot } from './snapshot.js';

/** A migration before rendering: header lines, statements, and the schema after it. */
export interface PlannedMigration {
  /** Without the `NNNN_` prefix. */
  readonly name: string;
  readonly header: readonly string[];
  readonly up: readonly string[];
  readonly downHeader: readonly string[];
  readonly down: readonly string[];
  readonly transactional: boolean;
  readonly snapshot: Snapshot;
}

/** A copy of `snapshot` linked after `prevId` (a migration that does not change the schema). */
export function relink(snapshot: Snapshot, prevId: string): Snapshot {
  return { ...structuredClone(snapshot), id: randomUUID(), prevId };
}

/**
 * `cur` with the moved indexes as they were in `prev`: the schema after the transactional part,
 * before the concurrent migration creates or drops those indexes.
 */
export function withIndexesOf(cur: Snapshot, prev: Snapshot, moved: readonly MovedIndex[]): Snapshot {
  const mid = structuredClone(cur);
  for (const { table, name } of moved) {
    const indexes = mid.tables[table]?.indexes;
    if (!indexes) continue;
    const before = prev.tables[table]?.indexes?.[name];
    if (before) indexes[name] = structuredClone(before);
    else delete indexes[name];
  }
  return mid;
}

const NO_TX_HEADER = `-- ${NO_TRANSACTION}`;

/**
 * Turns the diff `prev -> cur` into one to three migrations, in the order they must run:
 * `<name>` (transactional part), `<name>_validate` (foreign keys and checks added NOT VALID by the first,
 * validated in their own transaction), `<name>_concurrently` (index builds and drops on existing
 * tables, outside a transaction). Each gets its down SQL and a snapshot, chained by id/prevId so
 * that the last one is `cur`.
 */
export async function planDiff(kit: DrizzleKit, name: string, prev: Snapshot, cur: Snapshot, up: readonly string[]): Promise<PlannedMigration[]> {
  const safe = await applySafeForms(up, prev);
  const mid = safe.movedIndexes.length > 0 ? withIndexesOf(cur, prev, safe.movedIndexes) : cur;
  const plans: PlannedMigration[] = [];
  let last = prev;
  if (safe.transactional.length > 0) {
    const snapshot = mid === cur ? cur : { ...mid, id: randomUUID(), prevId: prev.id };
    const down = await kit.generateMigration(snapshot, prev);
    plans.push({ name, header: [], up: safe.transactional, downHeader: [], down, transactional: true, snapshot });
    last = snapshot;
  }
  if (safe.validate.length > 0) {
    const snapshot = relink(last, last.id);
    plans.push({
      name: `${name}_validate`,
      header: [`-- Validates the constraints that ${name} added NOT VALID: scans the rows holding only a SHARE UPDATE EXCLUSIVE lock, so reads and writes continue.`],
      up: safe.validate,
      downHeader: [`-- Nothing to undo: validation changes no data; the down file of ${name} drops the constraints.`],
      down: [],
      transactional: true,
      snapshot,
    });
    last = snapshot;
  }
  if (safe.concurrent.length > 0) {
    const snapshot = { ...cur, prevId: last.id };
    const down = (await kit.generateMigration(cur, mid)).map((s) => concurrentDropIndex(concurrentCreateIndex(s)));
    plans.push({ name: `${name}_concurrently`, header: [NO_TX_HEADER], up: safe.concurrent, downHeader: [NO_TX_HEADER], down, transactional: false, snapshot });
  }
  return plans;
}
