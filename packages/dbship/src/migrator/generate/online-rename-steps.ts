import { escapeIdentifier as q } from 'pg';
import type { CarryOver } from './online-rename-carry.js';
import { createIndexSql, finalizeIndexes, unfinalizeIndexes, type IndexTable } from './online-index.js';
import { addColumn, copyBack, defaultFunction, dropColumn, dropDefaultFunction, dropSync, setMarkerDefault, syncFunction, syncTrigger, type RenameObjects } from './online-sql.js';

/** The statements of an online rename's expand and contract steps and of the contract's down file. */

const rel = (o: RenameObjects) => `${q(o.schema)}.${q(o.table)}`;

/** The new column's window objects: NOT NULL as a NOT VALID check, the copied foreign keys and checks (NOT VALID: no scan). */
function windowConstraints(o: RenameObjects, carry: CarryOver): string[] {
  return [
    ...(carry.notNull ? [`ALTER TABLE ${rel(o)} ADD CONSTRAINT ${q(carry.notNull)} CHECK (${q(o.to)} IS NOT NULL) NOT VALID;`] : []),
    ...carry.constraints.map((c) => `ALTER TABLE ${rel(o)} ADD CONSTRAINT ${q(c.temp)} ${c.definition} NOT VALID;`),
  ];
}

/** The new column with its default (set apart from ADD COLUMN: no rewrite), the trigger, the copied constraints. */
export function expandUp(o: RenameObjects, carry: CarryOver): string[] {
  const d = o.defaulted;
  return [addColumn(o, o.to), ...(d ? [defaultFunction(o, d), setMarkerDefault(o, d)] : []), syncFunction(o), syncTrigger(o), ...windowConstraints(o, carry)];
}

/**
 * One transaction: validate the copies (scans under SHARE UPDATE EXCLUSIVE), drop the trigger and
 * the old column (its indexes and constraints go with it), give the new objects the final names,
 * SET NOT NULL (proved by the valid check, no scan), the column's own default.
 */
export function contractUp(o: RenameObjects, carry: CarryOver, t: IndexTable, allowDrop: string): string[] {
  const d = o.defaulted;
  return [
    ...[...(carry.notNull ? [carry.notNull] : []), ...carry.constraints.map((c) => c.temp)].map((name) => `ALTER TABLE ${rel(o)} VALIDATE CONSTRAINT ${q(name)};`),
    ...dropSync(o),
    `${allowDrop}${dropColumn(o, o.from)}`,
    ...finalizeIndexes(t, carry.indexes),
    ...carry.constraints.map((c) => `ALTER TABLE ${rel(o)} RENAME CONSTRAINT ${q(c.temp)} TO ${q(c.final)};`),
    ...(carry.notNull ? [`ALTER TABLE ${rel(o)} ALTER COLUMN ${q(o.to)} SET NOT NULL;`, `ALTER TABLE ${rel(o)} DROP CONSTRAINT ${q(carry.notNull)};`] : []),
    ...(d ? [`ALTER TABLE ${rel(o)} ALTER COLUMN ${q(o.to)} SET DEFAULT ${d.sql};`, dropDefaultFunction(o, d)] : []),
  ];
}

/** Back to the state before the contract: the old column, filled, with its constraints and indexes; the new one as in the window. */
export function contractDown(o: RenameObjects, carry: CarryOver, t: IndexTable, what: string): string[] {
  const d = o.defaulted;
  const allow = (rule: string, why: string) => `-- dbship:allow ${rule} undoing the contract of ${what}: ${why}\n`;
  return [
    ...unfinalizeIndexes(t, carry.indexes).map((s) => (s.startsWith('CREATE') ? `${allow('create-index-without-concurrently', 'the index of the window, rebuilt in this (not online) transaction')}${s}` : s)),
    ...carry.constraints.map((c) => `ALTER TABLE ${rel(o)} RENAME CONSTRAINT ${q(c.final)} TO ${q(c.temp)};`),
    ...(carry.notNull ? [`ALTER TABLE ${rel(o)} ALTER COLUMN ${q(o.to)} DROP NOT NULL;`, `ALTER TABLE ${rel(o)} ADD CONSTRAINT ${q(carry.notNull)} CHECK (${q(o.to)} IS NOT NULL) NOT VALID;`] : []),
    addColumn(o, o.from),
    ...(d ? [`ALTER TABLE ${rel(o)} ALTER COLUMN ${q(o.from)} SET DEFAULT ${d.sql};`] : []),
    `${allow('mixed-ddl-and-data', "one UPDATE under the ADD COLUMN's lock (docs/online-changes.md)")}${copyBack(o)}`,
    ...(carry.notNull ? [`${allow('set-not-null', "the column was NOT NULL before it (a scan under the ADD COLUMN's lock)")}ALTER TABLE ${rel(o)} ALTER COLUMN ${q(o.from)} SET NOT NULL;`] : []),
    ...oldObjectsBack(t, carry, what),
    ...(d ? [defaultFunction(o, d), setMarkerDefault(o, d)] : []),
    syncFunction(o),
    syncTrigger(o),
  ];
}

/**
 * A contract's down file, once the old column is back and filled: its constraints and indexes as
 * they were (checked and built in that transaction, which is not online, as the rest of the file).
 */
export function oldObjectsBack(t: IndexTable, carry: Pick<CarryOver, 'oldConstraints' | 'oldIndexes'>, what: string): string[] {
  const allow = (rule: string, why: string) => `-- dbship:allow ${rule} undoing the contract of ${what}: ${why}\n`;
  return [
    ...carry.oldConstraints.map((s) => `${allow('constraint-without-not-valid', 'the old column\'s constraint, checked in this (not online) transaction')}${s}`),
    ...carry.oldIndexes.map((i) => i.constraint
      ? `${allow('add-unique-constraint', 'the old column\'s unique constraint, built in this (not online) transaction')}ALTER TABLE ${q(t.schema)}.${q(t.table)} ADD CONSTRAINT ${q(i.index.name)} UNIQUE${i.constraint.nullsNotDistinct ? ' NULLS NOT DISTINCT' : ''} (${i.index.columns.map((c) => q(c.expression)).join(', ')});`
      : `${allow('create-index-without-concurrently', 'the old column\'s index, rebuilt in this (not online) transaction')}${createIndexSql(t, i.index, i.index.name, { concurrently: false })}`),
  ];
}
