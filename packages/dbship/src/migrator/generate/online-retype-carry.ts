import { escapeIdentifier as q } from 'pg';
import type { Snapshot, SnapshotIndex, SnapshotTable } from '../folder/snapshot.js';
import { refuse } from './online-common.js';
import { mentionsColumn, renameColumnIn } from './online-column-refs.js';
import { tempName, type IndexRebuild } from './online-index.js';
import { foreignKeySql, plainColumns, usesColumn, type CarryOver, type CopiedConstraint } from './online-rename-carry.js';

/**
 * What an online type change carries over from the column to its shadow: the column's indexes and
 * unique constraints (rebuilt CONCURRENTLY on the shadow under temporary names), its foreign keys
 * and check constraints (copied NOT VALID onto the shadow in the expand). The column keeps its
 * name, so every object keeps its name too: at the contract the shadow takes the column's name,
 * the old column is dropped with its objects, and the copies take their names.
 *
 * A foreign key's column is the usual case: after `--retype accounts.id` (integer -> bigint), the
 * referencing `entries.account_id` (integer, indexed, with its foreign key) is widened the same way.
 */
export interface RetypeCarry {
  readonly indexes: IndexRebuild[];
  /** Foreign keys and checks on the shadow, NOT VALID under `temp` until the contract names them `final`. */
  readonly constraints: CopiedConstraint[];
  /** The column's constraints as they are, for the contract's down file. */
  readonly oldConstraints: string[];
  readonly oldIndexes: CarryOver['oldIndexes'];
  /** Adds the shadow's copied foreign keys and checks to a copy of the table (the window's snapshot). */
  readonly window: (table: SnapshotTable) => void;
}

/** The objects of `column` in `before` (the models keep them unchanged), as copies on `shadow`. */
export function retypeCarry(prev: Snapshot, tableKey: string, column: string, shadow: string): RetypeCarry {
  const before = prev.tables[tableKey]!;
  const c = before.columns[column]!;
  refuseReferenced(prev, before, column, tableKey);
  const onShadow = (cols: readonly string[]) => cols.map((x) => (x === column ? shadow : x));
  const rewrite = (text: string, what: string): string => {
    const out = renameColumnIn(text, before.name, column, shadow);
    if (out === null) refuse(`the online type change of ${tableKey}.${column} cannot copy ${what}`, `its expression (${text}) does not parse as one expression without subqueries, or names "${column}" qualified by another table, so it cannot be rebuilt on the shadow column safely.`, `drop ${what} in its own migration first, change the type, then create it again.`);
    return out;
  };
  const indexes: IndexRebuild[] = [];
  const oldIndexes: CarryOver['oldIndexes'] = [];
  if (c.isUnique) {
    const name = c.uniqueName ?? `${before.name}_${column}_unique`;
    const constraint = { nullsNotDistinct: c.nullsNotDistinct ?? false };
    const target: SnapshotIndex = { name, columns: plainColumns([column]), isUnique: true, method: 'btree', with: {} };
    indexes.push({ target, build: { ...target, columns: plainColumns([shadow]) }, temp: tempName(name), constraint });
    oldIndexes.push({ index: target, constraint });
  }
  for (const u of Object.values(before.uniqueConstraints ?? {}).filter((x) => x.columns.includes(column))) {
    const constraint = { nullsNotDistinct: u.nullsNotDistinct ?? false };
    const target: SnapshotIndex = { name: u.name, columns: plainColumns(u.columns), isUnique: true, method: 'btree', with: {} };
    indexes.push({ target, build: { ...target, columns: plainColumns(onShadow(u.columns)) }, temp: tempName(u.name), constraint });
    oldIndexes.push({ index: target, constraint });
  }
  for (const i of Object.values(before.indexes).filter((x) => usesColumn(x, column))) {
    const what = `the index ${i.name}`;
    const build: SnapshotIndex = {
      ...structuredClone(i),
      columns: i.columns.map((x) => ({ ...x, expression: x.isExpression ? rewrite(x.expression, what) : x.expression === column ? shadow : x.expression })),
      ...(i.where ? { where: rewrite(i.where, what) } : {}),
    };
    indexes.push({ target: i, build, temp: tempName(i.name) });
    oldIndexes.push({ index: i });
  }
  const rel = `${q(before.schema || 'public')}.${q(before.name)}`;
  const constraints: CopiedConstraint[] = [];
  const oldConstraints: string[] = [];
  const copiedKeys = Object.values(before.foreignKeys).filter((f) => f.columnsFrom.includes(column));
  for (const f of copiedKeys) {
    constraints.push({ temp: tempName(f.name), final: f.name, definition: foreignKeySql({ ...f, columnsFrom: onShadow(f.columnsFrom) }) });
    oldConstraints.push(`ALTER TABLE ${rel} ADD CONSTRAINT ${q(f.name)} ${foreignKeySql(f)};`);
  }
  const copiedChecks = Object.values(before.checkConstraints ?? {}).filter((x) => mentionsColumn(x.value, column));
  const checkOnShadow = new Map(copiedChecks.map((k) => [k.name, rewrite(k.value, `the check constraint ${k.name}`)]));
  for (const k of copiedChecks) {
    constraints.push({ temp: tempName(k.name), final: k.name, definition: `CHECK (${checkOnShadow.get(k.name)!})` });
    oldConstraints.push(`ALTER TABLE ${rel} ADD CONSTRAINT ${q(k.name)} CHECK (${k.value});`);
  }
  const window = (t: SnapshotTable) => {
    for (const f of copiedKeys) t.foreignKeys[tempName(f.name)] = { ...structuredClone(f), name: tempName(f.name), columnsFrom: onShadow(f.columnsFrom) };
    for (const k of copiedChecks) t.checkConstraints = { ...(t.checkConstraints ?? {}), [tempName(k.name)]: { name: tempName(k.name), value: checkOnShadow.get(k.name)! } };
  };
  return { indexes, constraints, oldConstraints, oldIndexes, window };
}

/** A column that other tables' foreign keys reference cannot be swapped for a copy: they hang on its unique index. */
function refuseReferenced(prev: Snapshot, table: SnapshotTable, column: string, tableKey: string): void {
  const referencing = Object.values(prev.tables).flatMap((t) => Object.values(t.foreignKeys)
    .filter((f) => f.tableTo === table.name && (f.schemaTo || 'public') === (table.schema || 'public') && f.columnsTo.includes(column))
    .map((f) => f.name));
  if (referencing.length === 0) return;
  refuse(`the online type change of ${tableKey}.${column} is not supported yet: foreign keys of other tables reference it (${referencing.join(', ')})`, 'those foreign keys hang on the column\'s unique index, which the contract drops with the old column; only a primary key has the step that moves them.', 'change the type by hand with expand/contract (docs/workflow.md).');
}
