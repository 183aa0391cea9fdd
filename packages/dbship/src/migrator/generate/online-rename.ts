import { randomUUID } from 'node:crypto';
import { DbshipError } from '../../errors.js';
import { BACKFILL, CONTRACT, EXPAND } from '../folder/online.js';
import type { Snapshot, SnapshotColumn, SnapshotTable } from '../folder/snapshot.js';
import { migrationTag } from '../folder/layout.js';
import { addColumn, backfillUpdate, copyBack, dropColumn, dropSync, syncFunction, syncName, syncTrigger, type RenameObjects } from './online-sql.js';
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
 * Plans a declared column rename as three migrations that keep release N (old name) and release
 * N+1 (new name) working together: `<name>_expand` (the new column and the triggers that keep
 * both equal), `<name>_backfill` (copies the existing rows in primary-key batches) and
 * `<name>_contract` (drops the triggers and the old column; deploy runs it only once no release
 * older than the expand is alive). Each has its down file; the snapshots chain prev -> both
 * columns -> both columns -> the models. Refuses what this first version does not carry over
 * safely, saying so: any other model change in the same run, and columns with a default, NOT
 * NULL, identity, generated, key, unique, index, foreign key or check.
 */
export function planOnlineRename(name: string, prev: Snapshot, cur: Snapshot, r: RenameRequest, first: number): PlannedMigration[] {
  const before = prev.tables[r.table];
  const after = cur.tables[r.table];
  const column = before?.columns[r.from];
  if (!before || !after || !column || !after.columns[r.to] || before.columns[r.to] || after.columns[r.from]) {
    refuse(`--rename ${r.table}.${r.from}=${r.to} does not match the model change`, `the newest snapshot must have ${r.table}.${r.from} and the models ${r.table}.${r.to} instead.`, 'rename the column in the models (the property may keep its name; the column name is the string) and pass the same names to --rename.');
  }
  assertOnlyRename(prev, cur, r);
  assertSupported(before, column, r);
  const key = primaryKey(before, r.table);
  const o: RenameObjects = { schema: before.schema || 'public', table: before.name, from: r.from, to: r.to, type: sqlType(column), key, sync: syncName(before.name, r.from, r.to) };
  const expandTag = migrationTag(first, `${name}_expand`);
  const both = withColumn(prev, r, column);
  const expandSnap = { ...both, id: randomUUID(), prevId: prev.id };
  const backfillSnap = { ...structuredClone(both), id: randomUUID(), prevId: expandSnap.id };
  const contractSnap = { ...cur, prevId: backfillSnap.id };
  const what = `rename ${r.table}.${r.from} -> ${r.to}`;
  return [
    {
      name: `${name}_expand`,
      header: [`-- ${EXPAND} ${what}`, `-- Online rename, step 1 of 3 (expand): adds "${r.to}" next to "${r.from}" and a trigger that keeps both equal,`, '-- so that the running release (old name) and the new one (new name) see each other\'s writes.'],
      up: [addColumn(o, r.to), syncFunction(o), syncTrigger(o)],
      downHeader: ['-- Instant rollback before the contract: the old column holds every write of both releases.'],
      down: [...dropSync(o), dropColumn(o, r.to)],
      transactional: true,
      snapshot: expandSnap,
    },
    {
      name: `${name}_backfill`,
      header: [`-- ${BACKFILL} table=${o.schema}.${o.table} key=${key} batch=1000 pause=0`, `-- Online rename, step 2 of 3 (backfill): copies "${r.from}" to "${r.to}" for the existing rows, in batches of`, '-- primary keys ($1 exclusive, NULL at first; $2 inclusive), one short transaction each; resumable.'],
      up: [backfillUpdate(o)],
      downHeader: [`-- Nothing to undo: the down file of ${expandTag} drops the column this backfill filled.`, '-- (One statement that changes nothing: dbship refuses a down file without any.)'],
      down: ["SELECT 'nothing to undo' AS backfill;"],
      transactional: true,
      snapshot: backfillSnap,
    },
    {
      name: `${name}_contract`,
      header: [`-- ${CONTRACT} expand=${expandTag}`, `-- Online rename, step 3 of 3 (contract): drops the trigger and "${r.from}". deploy runs it only when no release`, `-- older than ${expandTag} has been seen within MIGRATE_RELEASE_WINDOW; until then it waits (exit 0).`],
      up: [...dropSync(o), `-- dbship:allow drop-column contract of ${what}: runs only when no release older than ${expandTag} is seen\n${dropColumn(o, r.from)}`],
      downHeader: [`-- Brings "${r.from}" back from "${r.to}" and keeps both in sync again. The UPDATE rewrites the whole table while`, '-- holding the lock of ADD COLUMN: a rollback after the contract is not online (one before it is instant).'],
      down: [addColumn(o, r.from), `-- dbship:allow mixed-ddl-and-data undoing the contract of ${what}: one UPDATE under the ADD COLUMN's lock (docs/online-changes.md)\n${copyBack(o)}`, syncFunction(o), syncTrigger(o)],
      transactional: true,
      snapshot: contractSnap,
    },
  ];
}

/** The rename must be the whole model change: renaming in `prev` gives `cur`. */
function assertOnlyRename(prev: Snapshot, cur: Snapshot, r: RenameRequest): void {
  const renamed = structuredClone(prev);
  const table = renamed.tables[r.table]!;
  table.columns = Object.fromEntries(Object.entries(table.columns).map(([k, c]) => (k === r.from ? [r.to, { ...c, name: r.to }] : [k, c])));
  if (!sameSchema(renamed, cur)) {
    refuse(`the models change more than the rename ${r.table}.${r.from} -> ${r.to}`, 'an online rename is generated on its own, so that its three steps are exactly the rename and nothing else waits for its contract.', 'make the other model changes in a separate `generate` run, before or after the rename.');
  }
}

function assertSupported(table: SnapshotTable, c: SnapshotColumn, r: RenameRequest): void {
  const why: string[] = [];
  if (c.primaryKey || c.identity || c.generated) why.push('it is a primary key, identity or generated column');
  if (c.default !== undefined) why.push('it has a default (which release\'s insert left it unset cannot be told apart)');
  if (c.notNull) why.push('it is NOT NULL');
  if (c.isUnique) why.push('it is unique');
  const used = (cols: readonly string[] | undefined) => cols?.includes(r.from) ?? false;
  if (Object.values(table.indexes).some((i) => i.columns.some((x) => !x.isExpression && x.expression === r.from))) why.push('an index uses it');
  if (Object.values(table.foreignKeys).some((f) => used(f.columnsFrom))) why.push('a foreign key uses it');
  if (Object.values(table.compositePrimaryKeys ?? {}).some((k) => used(k.columns)) || Object.values(table.uniqueConstraints ?? {}).some((u) => used(u.columns))) why.push('a key or unique constraint uses it');
  if (Object.values(table.checkConstraints ?? {}).some((k) => k.value.includes(r.from))) why.push('a check constraint may use it');
  if (why.length === 0) return;
  refuse(`the online rename of ${r.table}.${r.from} is not supported yet: ${why.join('; ')}`, 'this version of the online rename copies a plain nullable column; carrying defaults, constraints and indexes over to the new column is not built yet (docs/online-changes.md).', 'rename it by hand with expand/contract (docs/workflow.md), or drop the constraint first in its own migration.');
}

function sqlType(c: SnapshotColumn): string {
  if (!c.typeSchema) return c.type;
  return `"${c.typeSchema}"."${c.type}"`;
}

/** `prev` with the new column next to the old one (nullable, same type): the schema between expand and contract. */
function withColumn(prev: Snapshot, r: RenameRequest, c: SnapshotColumn): Snapshot {
  const copy = structuredClone(prev);
  copy.tables[r.table]!.columns[r.to] = { ...structuredClone(c), name: r.to };
  return copy;
}
