import { randomUUID } from 'node:crypto';
import { DbshipError } from '../../errors.js';
import { BACKFILL, CONTRACT, EXPAND, GENERATED_THROTTLE } from '../folder/online.js';
import type { Snapshot, SnapshotColumn } from '../folder/snapshot.js';
import { migrationTag } from '../folder/layout.js';
import { escapeIdentifier as q } from 'pg';
import { backfillUpdate, dropColumn, dropDefaultFunction, dropSync, syncName, type RenameObjects } from './online-sql.js';
import { indexStepMigration, type IndexTable } from './online-index.js';
import { carryOver, derivedName } from './online-rename-carry.js';
import { contractDown, contractUp, expandUp } from './online-rename-steps.js';
import type { PlannedMigration } from './plan.js';
import type { RenameAmbiguity } from './renames.js';
import { primaryKey, refuse, sameSchema } from './online-common.js';

/** `generate --rename [schema.]table.old=new`. */
export interface RenameRequest {
  /** `schema.table` as the snapshot keys tables. */
  readonly table: string;
  readonly from: string;
  readonly to: string;
}

const PATTERN = /^(?:([A-Za-z_][A-Za-z0-9_$]*)\.)?([A-Za-z_][A-Za-z0-9_$]*)\.([A-Za-z_][A-Za-z0-9_$]*)=([A-Za-z_][A-Za-z0-9_$]*)$/;

/** Parses `users.name=full_name` or `public.users.name=full_name` (plain identifiers). */
export function parseRename(text: string): RenameRequest {
  const m = PATTERN.exec(text.trim());
  if (!m || m[3] === m[4]) {
    throw new DbshipError('USAGE', `invalid --rename "${text}"`, {
      why: 'a rename names the table, the column as it is now and its new name, as plain identifiers.',
      fix: 'write it as [schema.]table.old=new, e.g. --rename users.name=full_name.',
    });
  }
  return { table: `${m[1] ?? 'public'}.${m[2]}`, from: m[3]!, to: m[4]! };
}

/** True when `a` is exactly the ambiguity the declared rename resolves. */
export function resolves(a: RenameAmbiguity, r: RenameRequest): boolean {
  return a.what === `column of table "${r.table}"` && a.removed.length === 1 && a.removed[0] === r.from && a.added.length === 1 && a.added[0] === r.to;
}

/**
 * Plans a declared column rename as migrations that keep release N (old name) and release N+1
 * (new name) working together: `<name>_expand` (the new column, the trigger that keeps both
 * equal, NOT VALID copies of the column's NOT NULL, foreign keys and checks, its default),
 * `<name>_backfill` (copies the existing rows in primary-key batches), `<name>_index` when the
 * column is indexed or unique (the indexes rebuilt CONCURRENTLY on the new column, outside a
 * transaction) and `<name>_contract` (validates the copies, drops the trigger and the old column,
 * gives the new objects their final names; deploy runs it only once no release older than the
 * expand is alive). Each has its down file; the snapshots chain prev -> both columns -> ... -> the
 * models. Refuses, saying why, any other model change in the same run, and what cannot move to a
 * copy of the column: a primary key, identity, generated or sequence-fed column, and a column
 * that other tables' foreign keys reference.
 */
export function planOnlineRename(name: string, prev: Snapshot, cur: Snapshot, r: RenameRequest, first: number): PlannedMigration[] {
  const before = prev.tables[r.table];
  const after = cur.tables[r.table];
  const column = before?.columns[r.from];
  if (!before || !after || !column || !after.columns[r.to] || before.columns[r.to] || after.columns[r.from]) {
    refuse(`--rename ${r.table}.${r.from}=${r.to} does not match the model change`, `the newest snapshot must have ${r.table}.${r.from} and the models ${r.table}.${r.to} instead.`, 'rename the column in the models (the property may keep its name; the column name is the string) and pass the same names to --rename.');
  }
  const carry = carryOver(prev, cur, r);
  if (!sameSchema(carry.renamed, cur)) {
    refuse(`the models change more than the rename ${r.table}.${r.from} -> ${r.to}`, 'an online rename is generated on its own, so that its steps are exactly the rename and nothing else waits for its contract.', 'make the other model changes in a separate `generate` run, before or after the rename.');
  }
  const key = primaryKey(before, r.table);
  const schema = before.schema || 'public';
  const sync = syncName(before.name, r.from, r.to);
  const marker = carry.default === null ? undefined : { sql: carry.default, fn: derivedName(sync, 'default'), setting: `dbship.${derivedName(sync, 'default')}` };
  const o: RenameObjects = { schema, table: before.name, from: r.from, to: r.to, type: sqlType(column), key, sync, defaulted: marker };
  const t: IndexTable = { schema, table: before.name, key: r.table };
  const steps = carry.indexes.length > 0 ? 4 : 3;
  const expandTag = migrationTag(first, `${name}_expand`);
  const both = structuredClone(prev);
  // As the catalog prints it (drift compares them): unqualified on the search path's public.
  const plain = (id: string) => (/^[a-z_][a-z0-9_$]*$/.test(id) ? id : q(id));
  carry.window(both.tables[r.table]!, marker && `${schema === 'public' ? '' : `${plain(schema)}.`}${plain(marker.fn)}()`);
  const expandSnap = { ...both, id: randomUUID(), prevId: prev.id };
  const backfillSnap = { ...structuredClone(both), id: randomUUID(), prevId: expandSnap.id };
  const what = `rename ${r.table}.${r.from} -> ${r.to}`;
  const index = carry.indexes.length === 0 ? [] : [indexStepMigration(`${name}_index`, t, carry.indexes, backfillSnap, [
    `-- Online rename, step 3 of 4 (indexes): builds the indexes of "${r.from}" on "${r.to}" under temporary names, each`,
    '-- CONCURRENTLY (writes go on while it builds); the contract gives them their final names. An interrupted build',
    '-- leaves an INVALID index, which the next run drops and builds again.',
  ])];
  const lastSnap = index[0]?.snapshot ?? backfillSnap;
  return [
    {
      name: `${name}_expand`,
      header: [`-- ${EXPAND} ${what}`, `-- Online rename, step 1 of ${steps} (expand): adds "${r.to}" next to "${r.from}" and a trigger that keeps both equal,`, '-- so that the running release (old name) and the new one (new name) see each other\'s writes; its constraints are', '-- copied NOT VALID (no scan: every write satisfies them through the trigger).'],
      up: expandUp(o, carry),
      downHeader: ['-- Instant rollback before the contract: the old column holds every write of both releases.'],
      down: [...dropSync(o), dropColumn(o, r.to), ...(marker ? [dropDefaultFunction(o, marker)] : [])],
      transactional: true,
      snapshot: expandSnap,
    },
    {
      name: `${name}_backfill`,
      header: [`-- ${BACKFILL} table=${schema}.${before.name} key=${key} ${GENERATED_THROTTLE}`, `-- Online rename, step 2 of ${steps} (backfill): copies "${r.from}" to "${r.to}" for the existing rows, in batches of`, '-- primary keys ($1 exclusive, NULL at first; $2 inclusive), one short transaction each; resumable.'],
      up: [backfillUpdate(o)],
      downHeader: [`-- Nothing to undo: the down file of ${expandTag} drops the column this backfill filled.`, '-- (One statement that changes nothing: dbship refuses a down file without any.)'],
      down: ["SELECT 'nothing to undo' AS backfill;"],
      transactional: true,
      snapshot: backfillSnap,
    },
    ...index,
    {
      name: `${name}_contract`,
      header: [`-- ${CONTRACT} expand=${expandTag}`, `-- Online rename, step ${steps} of ${steps} (contract): validates the copied constraints (a scan under SHARE UPDATE EXCLUSIVE:`, `-- reads and writes go on), drops the trigger and "${r.from}", and gives the new objects their final names. deploy runs it`, `-- only when no release older than ${expandTag} has been seen within MIGRATE_RELEASE_WINDOW; until then it waits (exit 0).`],
      up: contractUp(o, carry, t, `-- dbship:allow drop-column contract of ${what}: runs only when no release older than ${expandTag} is seen\n`),
      downHeader: [`-- Brings "${r.from}" back from "${r.to}" and keeps both in sync again. The UPDATE rewrites the whole table while`, '-- holding the lock of ADD COLUMN, and the old indexes are built in the transaction: a rollback after the contract', '-- is not online (one before it is instant).'],
      down: contractDown(o, carry, t, what),
      transactional: true,
      snapshot: { ...cur, prevId: lastSnap.id },
    },
  ];
}

function sqlType(c: SnapshotColumn): string {
  if (!c.typeSchema) return c.type;
  return `"${c.typeSchema}"."${c.type}"`;
}
