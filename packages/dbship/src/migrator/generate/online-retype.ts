import { randomUUID } from 'node:crypto';
import { escapeIdentifier as q } from 'pg';
import { DbshipError } from '../../errors.js';
import { BACKFILL, CONTRACT, EXPAND, GENERATED_THROTTLE } from '../folder/online.js';
import { migrationTag } from '../folder/layout.js';
import type { Snapshot, SnapshotColumn, SnapshotTable } from '../folder/snapshot.js';
import { identifierBytes, MAX_IDENTIFIER_BYTES } from '../sql/identifier.js';
import { castGuard, castPlan, type CastGuard, type CastOptions, type CastPlan } from './online-cast.js';
import { keyConstraint, primaryKey, refuse, sameSchema } from './online-common.js';
import { mentionsColumn } from './online-column-refs.js';
import { usesColumn } from './online-rename-carry.js';
import { finalizeIndexes, indexStepMigration, unfinalizeIndexes, type IndexTable } from './online-index.js';
import { oldObjectsBack } from './online-rename-steps.js';
import { retypeCarry, type RetypeCarry } from './online-retype-carry.js';
import { planKeyRetype } from './online-retype-key.js';
import { syncName } from './online-sql.js';
import type { PlannedMigration } from './plan.js';

/** `generate --retype [schema.]table.column`: the column's type changed as the models say (with --using / --zone). */
export interface RetypeRequest extends CastOptions {
  readonly table: string;
  readonly column: string;
}

const PATTERN = /^(?:([A-Za-z_][A-Za-z0-9_$]*)\.)?([A-Za-z_][A-Za-z0-9_$]*)\.([A-Za-z_][A-Za-z0-9_$]*)$/;

/** Parses `users.score` or `public.users.score` (plain identifiers). */
export function parseRetype(text: string): RetypeRequest {
  const m = PATTERN.exec(text.trim());
  if (!m) {
    throw new DbshipError('USAGE', `invalid --retype "${text}"`, {
      why: 'a type change names the table and the column; the new type comes from the models.',
      fix: 'write it as [schema.]table.column, e.g. --retype users.score.',
    });
  }
  return { table: `${m[1] ?? 'public'}.${m[2]}`, column: m[3]! };
}

const INTEGERS = ['smallint', 'integer', 'bigint'];

/**
 * True when every value of `from` is a value of `to`, unchanged by the cast: integer widening
 * (smallint -> integer -> bigint) and a longer or unbounded varchar / text. Such a change needs no
 * check of the existing values, and both releases can keep addressing the column by its name.
 */
export function widens(from: string, to: string): boolean {
  const i = INTEGERS.indexOf(from);
  const j = INTEGERS.indexOf(to);
  if (i >= 0 && j >= 0) return j > i;
  const len = (t: string) => (t === 'text' || t === 'varchar' ? Infinity : Number(/^varchar\((\d+)\)$/.exec(t)?.[1] ?? NaN));
  const [a, b] = [len(from), len(to)];
  return !Number.isNaN(a) && !Number.isNaN(b) && b > a && (to === 'text' || to.startsWith('varchar'));
}

/** `<column>_dbship_new`, or a hashed name when that would pass 63 bytes. */
function shadowName(table: string, column: string): string {
  const plain = `${column}_dbship_new`;
  return identifierBytes(plain) <= MAX_IDENTIFIER_BYTES ? plain : `${syncName(table, column, 'retype')}_new`;
}

/** The objects of one online type change, named once so that every step and down file agree. */
export interface RetypeObjects {
  readonly r: RetypeRequest;
  readonly schema: string;
  readonly table: string;
  /** `"schema"."table"`. */
  readonly rel: string;
  readonly column: SnapshotColumn;
  readonly target: SnapshotColumn;
  /** The SQL types without serial's sequence: `serial` is `integer` here. */
  readonly fromType: string;
  readonly toType: string;
  readonly shadow: string;
  readonly old: string;
  readonly sync: string;
  readonly check: string;
  readonly key: string;
  readonly expandTag: string;
  readonly what: string;
  /** The function and trigger that set the shadow from the column on every write. */
  readonly trigger: readonly string[];
  readonly dropTrigger: readonly string[];
  readonly addCheck: readonly string[];
  /** How values convert (online-cast.ts), and the check that keeps a narrowing change's values fitting. */
  readonly cast: CastPlan;
  readonly guard: CastGuard;
}

const SERIALS: Record<string, string> = { smallserial: 'smallint', serial: 'integer', bigserial: 'bigint' };

/** A serial type's underlying integer type (the column's type once its default is set). */
export function baseType(type: string): string {
  return SERIALS[type] ?? type;
}

/**
 * Plans a type change as three migrations (four when the column is indexed), without the table
 * rewrite and the ACCESS EXCLUSIVE lock of `ALTER COLUMN ... TYPE`: `<name>_expand` adds a shadow
 * column of the new type that a trigger sets from the column on every write (both releases keep
 * writing the column by its name), with NOT VALID copies of the column's foreign keys and checks;
 * `<name>_backfill` fills the shadow for the existing rows; `<name>_index` builds the column's
 * indexes and unique constraints on the shadow CONCURRENTLY and validates the copies;
 * `<name>_contract` swaps them in one short transaction (the shadow takes the name, NOT NULL
 * proved by a validated check, the default, the copies their names) and drops the old column, once
 * no release older than the expand is seen. A single-column primary key takes five steps
 * (online-retype-key.ts) and is widened only. Refuses what it does not carry over: a column of a
 * composite key, a generated column, a column other tables' foreign keys reference. How values
 * convert (a plain cast, a guarded narrowing cast, AT TIME ZONE, --using) is online-cast.ts's
 * `castPlan`.
 */
export function planOnlineRetype(name: string, prev: Snapshot, cur: Snapshot, r: RetypeRequest, first: number): PlannedMigration[] {
  const before = prev.tables[r.table];
  const column = before?.columns[r.column];
  const target = cur.tables[r.table]?.columns[r.column];
  if (!before || !column || !target || column.type === target.type) {
    refuse(`--retype ${r.table}.${r.column}: the models do not change this column's type`, `the newest snapshot and the models must both have ${r.table}.${r.column}, with different types.`, 'change the column\'s type in the models (e.g. integer(...) to bigint(...)), then run generate with the same --retype.');
  }
  if (column.typeSchema || target.typeSchema) {
    refuse(`the online type change ${column.type} -> ${target.type} of ${r.table}.${r.column} is not supported yet`, 'this version carries over built-in types only (integers, varchar / text, timestamp <-> timestamptz, or a --using expression).', 'change the type by hand with expand/contract (docs/workflow.md).');
  }
  const serialChange = column.type in SERIALS || target.type in SERIALS;
  const pkey = keyConstraint(before, r.column);
  if (pkey !== null && (!widens(baseType(column.type), baseType(target.type)) || r.using || r.zone || (serialChange && !(column.type in SERIALS && target.type in SERIALS)))) {
    refuse(`the online type change ${column.type} -> ${target.type} of ${r.table}.${r.column} is not supported yet: it is the primary key`, 'a primary key is carried over by widening only (smallint -> integer -> bigint, serial -> bigserial), where every existing value and every referencing value fits unchanged.', 'change the key\'s type by hand with expand/contract (docs/workflow.md).');
  }
  const cast = castPlan(baseType(column.type), baseType(target.type), r, `${r.table}.${r.column}`);
  const retyped = structuredClone(prev);
  retyped.tables[r.table]!.columns[r.column] = structuredClone(target);
  if (!sameSchema(retyped, cur)) {
    refuse(`the models change more than the type of ${r.table}.${r.column}`, 'an online change is generated on its own, so that its three steps are exactly that change and nothing else waits for its contract.', 'make the other model changes in a separate `generate` run, before or after.');
  }
  assertSupported(before, column, r, pkey !== null);
  // A key column is NOT NULL whatever the snapshot says: a primaryKey({ columns }) key's column
  // need not be declared notNull(), and the key's contract proves NOT NULL by the shadow's check.
  const o = retypeObjects(name, before, pkey !== null ? { ...column, notNull: true } : column, target, r, first, cast);
  if (pkey !== null) return planKeyRetype(name, prev, cur, o, pkey);
  const carry = retypeCarry(prev, r.table, r.column, o.shadow);
  const t: IndexTable = { schema: o.schema, table: o.table, key: r.table };
  const steps = carry.indexes.length > 0 ? 4 : 3;
  const [rel, c, s] = [o.rel, q(r.column), q(o.shadow)];
  const [expand, backfill] = expandAndBackfill(name, prev, o, steps, carry);
  const allow = (rule: string) => `-- dbship:allow ${rule} contract of ${o.what}: the shadow column takes the name once no release older than ${o.expandTag} is seen\n`;
  // The window's checks (NOT NULL, the copied foreign keys and checks) are validated by the index
  // step when there is one, so that the contract only changes the catalog; else by the contract.
  const validations = [...(column.notNull ? [o.check] : []), ...carry.constraints.map((k) => k.temp)].map((k) => `ALTER TABLE ${rel} VALIDATE CONSTRAINT ${q(k)};`);
  const index = carry.indexes.length === 0 ? [] : [indexStepMigration(`${name}_index`, t, carry.indexes, backfill.snapshot, [
    `-- Online type change, step 3 of 4 (indexes): builds the indexes of "${r.column}" on "${o.shadow}" under temporary names,`,
    '-- each CONCURRENTLY (writes go on while it builds); the contract gives them their final names. An interrupted build',
    '-- leaves an INVALID index, which the next run drops and builds again.',
    ...(validations.length > 0 ? ['-- Then the checks of the shadow are validated (scans that let reads and writes go on; repeatable).'] : []),
  ], validations)];
  const swap = [
    ...o.guard.validate,
    ...(index.length === 0 ? validations : []),
    ...o.dropTrigger,
    `${allow('rename-column')}ALTER TABLE ${rel} RENAME COLUMN ${c} TO ${q(o.old)};`,
    `${allow('rename-column')}ALTER TABLE ${rel} RENAME COLUMN ${s} TO ${c};`,
    ...(column.notNull ? [`${index.length > 0 ? `-- dbship:allow set-not-null proved by the check "${o.check}", which the index step validated: no scan\n` : ''}ALTER TABLE ${rel} ALTER COLUMN ${c} SET NOT NULL;`, `ALTER TABLE ${rel} DROP CONSTRAINT ${q(o.check)};`] : []),
    ...(target.default !== undefined ? [`ALTER TABLE ${rel} ALTER COLUMN ${c} SET DEFAULT ${String(target.default)};`] : []),
    `${allow('drop-column')}ALTER TABLE ${rel} DROP COLUMN ${q(o.old)};`,
    ...finalizeIndexes(t, carry.indexes),
    ...carry.constraints.map((k) => `ALTER TABLE ${rel} RENAME CONSTRAINT ${q(k.temp)} TO ${q(k.final)};`),
  ];
  const unswap = [
    ...unfinalizeIndexes(t, carry.indexes).map((x) => (x.startsWith('CREATE') ? `-- dbship:allow create-index-without-concurrently undoing the contract of ${o.what}: the index of the window, rebuilt in this (not online) transaction\n${x}` : x)),
    ...carry.constraints.map((k) => `ALTER TABLE ${rel} RENAME CONSTRAINT ${q(k.final)} TO ${q(k.temp)};`),
    `-- dbship:allow rename-column undoing the contract of ${o.what}: the column goes back to being the shadow\nALTER TABLE ${rel} RENAME COLUMN ${c} TO ${s};`,
    `ALTER TABLE ${rel} ALTER COLUMN ${s} DROP NOT NULL;`,
    `ALTER TABLE ${rel} ALTER COLUMN ${s} DROP DEFAULT;`,
    `ALTER TABLE ${rel} ADD COLUMN ${c} ${column.type}${column.default !== undefined ? ` DEFAULT ${String(column.default)}` : ''};`,
    `-- dbship:allow mixed-ddl-and-data undoing the contract of ${o.what}: one UPDATE under the ADD COLUMN's lock (docs/online-changes.md)\nUPDATE ${rel} SET ${c} = ${o.cast.backward(s)};`,
    ...(column.notNull ? [`-- dbship:allow set-not-null undoing the contract of ${o.what}: the column was NOT NULL before it (a scan under the ADD COLUMN's lock)\nALTER TABLE ${rel} ALTER COLUMN ${c} SET NOT NULL;`] : []),
    ...oldObjectsBack(t, carry, o.what),
    ...o.addCheck,
    ...o.trigger,
  ];
  const lastSnap = index[0]?.snapshot ?? backfill.snapshot;
  return [
    expand,
    backfill,
    ...index,
    {
      name: `${name}_contract`,
      header: [`-- ${CONTRACT} expand=${o.expandTag}`, `-- Online type change, step ${steps} of ${steps} (contract): the shadow column takes the name, in one short transaction (renames,`, `-- no rewrite; NOT NULL proved by the validated check${carry.indexes.length > 0 ? '; the indexes built by step 3 take their names' : ''}). Runs only once no release older than the expand is seen.`],
      up: swap,
      downHeader: [`-- Back to the state after the ${index.length > 0 ? 'index step' : 'expand'}. The UPDATE rewrites the whole table while holding the lock of ADD COLUMN:`, '-- a rollback after the contract is not online, and fails if a value no longer fits the old type.'],
      down: unswap,
      transactional: true,
      snapshot: { ...cur, prevId: lastSnap.id },
    },
  ];
}

function retypeObjects(name: string, before: SnapshotTable, column: SnapshotColumn, target: SnapshotColumn, r: RetypeRequest, first: number, cast: CastPlan): RetypeObjects {
  const schema = before.schema || 'public';
  const rel = `${q(schema)}.${q(before.name)}`;
  const shadow = shadowName(before.name, r.column);
  const sync = syncName(before.name, r.column, 'retype');
  const fn = `${q(schema)}.${q(sync)}`;
  const check = `${shadow.slice(0, 50)}_not_null`;
  const [c, s] = [q(r.column), q(shadow)];
  const [fromType, toType] = [baseType(column.type), baseType(target.type)];
  const guard = castGuard(cast, { rel, table: before.name, column: r.column, shown: `${r.table}.${r.column}`, to: toType });
  return {
    cast, guard,
    r, schema, table: before.name, rel, column, target, fromType, toType, shadow, sync, check,
    old: `${r.column}_dbship_old`.slice(0, MAX_IDENTIFIER_BYTES),
    key: primaryKey(before, r.table),
    expandTag: migrationTag(first, `${name}_expand`),
    what: `retype ${r.table}.${r.column} ${column.type} -> ${target.type}`,
    trigger: [
      `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $dbship$\nBEGIN\n  NEW.${s} := ${guard.convert(`NEW.${c}`)};\n  RETURN NEW;\nEND\n$dbship$;`,
      `CREATE TRIGGER ${q(sync)} BEFORE INSERT OR UPDATE ON ${rel} FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
    ],
    dropTrigger: [`DROP TRIGGER IF EXISTS ${q(sync)} ON ${rel};`, `DROP FUNCTION IF EXISTS ${fn}();`],
    addCheck: [...(column.notNull ? [`ALTER TABLE ${rel} ADD CONSTRAINT ${q(check)} CHECK (${s} IS NOT NULL) NOT VALID;`] : []), ...guard.add],
  };
}

/** The expand and backfill steps (1 and 2 of `steps`), shared by a plain column and a key. */
export function expandAndBackfill(name: string, prev: Snapshot, o: RetypeObjects, steps: number, carry?: RetypeCarry): [PlannedMigration, PlannedMigration] {
  const [rel, c, s, key] = [o.rel, q(o.r.column), q(o.shadow), q(o.key)];
  const both = structuredClone(prev);
  const table = both.tables[o.r.table]!;
  table.columns[o.shadow] = { name: o.shadow, type: o.toType, primaryKey: false, notNull: false };
  if (o.column.notNull) table.checkConstraints = { ...(table.checkConstraints ?? {}), [o.check]: { name: o.check, value: `${s} IS NOT NULL` } };
  if (o.guard.check) table.checkConstraints = { ...(table.checkConstraints ?? {}), [o.guard.check.name]: o.guard.check };
  carry?.window(table);
  const copies = (carry?.constraints ?? []).map((k) => `ALTER TABLE ${rel} ADD CONSTRAINT ${q(k.temp)} ${k.definition} NOT VALID;`);
  const expandSnap = { ...both, id: randomUUID(), prevId: prev.id };
  const backfillSnap = { ...structuredClone(both), id: randomUUID(), prevId: expandSnap.id };
  return [
    {
      name: `${name}_expand`,
      header: [`-- ${EXPAND} ${o.what}`, `-- Online type change, step 1 of ${steps} (expand): a shadow column "${o.shadow}" of the new type, set from "${o.r.column}" by a`, '-- trigger on every write; both releases keep writing the column by its name (its old type holds every value).', `-- Conversion: ${o.cast.note}.`],
      up: [`ALTER TABLE ${rel} ADD COLUMN ${s} ${o.toType};`, ...o.trigger, ...o.addCheck, ...copies],
      downHeader: ['-- Instant rollback before the contract: the column was never changed.'],
      down: [...(o.column.notNull ? [`ALTER TABLE ${rel} DROP CONSTRAINT IF EXISTS ${q(o.check)};`] : []), ...o.guard.drop, ...o.dropTrigger, `ALTER TABLE ${rel} DROP COLUMN IF EXISTS ${s};`],
      transactional: true,
      snapshot: expandSnap,
    },
    {
      name: `${name}_backfill`,
      header: [`-- ${BACKFILL} table=${o.schema}.${o.table} key=${o.key} ${GENERATED_THROTTLE}`, `-- Online type change, step 2 of ${steps} (backfill): sets "${o.shadow}" for the existing rows, in batches of primary keys`, '-- ($1 exclusive, NULL at first; $2 inclusive), one short transaction each; resumable.'],
      up: [`UPDATE ${rel} SET ${s} = ${o.guard.convert(c)}\n WHERE (${key} > $1 OR $1 IS NULL) AND ${key} <= $2 AND (${s} IS DISTINCT FROM ${o.guard.convert(c)}${o.guard.unfit(c)});`],
      downHeader: [`-- Nothing to undo: the down file of ${o.expandTag} drops the shadow column this backfill filled.`, '-- (One statement that changes nothing: dbship refuses a down file without any.)'],
      down: ["SELECT 'nothing to undo' AS backfill;"],
      transactional: true,
      snapshot: backfillSnap,
    },
  ];
}

/** `isKey`: the column alone is the table's primary key, inline or as a one-column primaryKey({ columns }). */
function assertSupported(table: SnapshotTable, c: SnapshotColumn, r: RetypeRequest, isKey: boolean): void {
  const why: string[] = [];
  const serial = c.type in SERIALS;
  if (c.generated) why.push('it is a generated column');
  if (!isKey && (c.identity || serial)) why.push('it is an identity or serial column that is not the primary key');
  if (isKey && (c.identity?.type !== undefined) && serial) why.push('it is both serial and identity');
  const used = (cols: readonly string[] | undefined) => cols?.includes(r.column) ?? false;
  const composite = Object.values(table.compositePrimaryKeys ?? {}).find((k) => k.columns.length > 1 && used(k.columns));
  if (composite) why.push(`it is part of a composite primary key (${composite.name}: ${composite.columns.join(', ')})`);
  // A plain column's indexes and constraints are carried over to the shadow (online-retype-carry.ts);
  // the key's own step moves the key and what references it, nothing else.
  if (isKey) {
    if (c.isUnique) why.push('it is unique');
    if (Object.values(table.indexes).some((i) => usesColumn(i, r.column))) why.push('an index uses it');
    if (Object.values(table.foreignKeys).some((f) => used(f.columnsFrom))) why.push('a foreign key uses it');
    if (Object.values(table.uniqueConstraints ?? {}).some((u) => used(u.columns))) why.push('a unique constraint uses it');
    if (Object.values(table.checkConstraints ?? {}).some((k) => mentionsColumn(k.value, r.column))) why.push('a check constraint uses it');
  }
  if (why.length === 0) return;
  refuse(`the online type change of ${r.table}.${r.column} is not supported yet: ${why.join('; ')}`, 'this version swaps a column with its indexes and constraints, or a single-column primary key with its identity or sequence and the foreign keys that reference it; a composite key, a generated column and other indexes on a key are not carried over yet (docs/online-changes.md).', 'change the type by hand with expand/contract (docs/workflow.md).');
}
