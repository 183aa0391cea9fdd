import { createHash } from 'node:crypto';
import { escapeIdentifier as q } from 'pg';
import type { Snapshot, SnapshotColumn, SnapshotForeignKey, SnapshotIndex, SnapshotTable } from '../folder/snapshot.js';
import { identifierBytes, MAX_IDENTIFIER_BYTES } from '../sql/identifier.js';
import { refuse } from './online-common.js';
import { mentionsColumn, renameColumnIn } from './online-column-refs.js';
import { tempName, type IndexRebuild } from './online-index.js';
import type { RenameRequest } from './online-rename.js';

/**
 * What an online rename carries over from the old column to the new one: its NOT NULL (a NOT VALID
 * check during the window), its default, its indexes and unique constraints (rebuilt concurrently),
 * its foreign keys and check constraints (copied NOT VALID). Each object is matched with the one the
 * models define after the rename, whose name it takes at the contract.
 */
export interface CarryOver {
  /** The `CHECK (new IS NOT NULL) NOT VALID` standing for NOT NULL during the window; null for a nullable column. */
  readonly notNull: string | null;
  /** The column's default as SQL; null without one. */
  readonly default: string | null;
  readonly indexes: IndexRebuild[];
  /** Foreign keys and checks, added NOT VALID on the new column under `temp`, renamed to `final` at the contract. */
  readonly constraints: CopiedConstraint[];
  /** The old column's constraints, to re-create in the contract's down file. */
  readonly oldConstraints: string[];
  /** The old column's indexes and unique constraints, for the contract's down file. */
  readonly oldIndexes: { readonly index: SnapshotIndex; readonly constraint?: { readonly nullsNotDistinct: boolean } | undefined }[];
  /** The newest snapshot as the rename alone would leave it: compared with the models. */
  readonly renamed: Snapshot;
  /** Adds the new column's window objects (column, checks, foreign keys) to a copy of the table. */
  readonly window: (table: SnapshotTable, defaultSql: string | undefined) => void;
}

export interface CopiedConstraint {
  readonly temp: string;
  readonly final: string;
  /** `FOREIGN KEY (...) REFERENCES ...` or `CHECK (...)`, without NOT VALID. */
  readonly definition: string;
}

/** A name derived from `base`, kept within 63 bytes. */
export function derivedName(base: string, suffix: string): string {
  const plain = `${base}_${suffix}`;
  return identifierBytes(plain) <= MAX_IDENTIFIER_BYTES ? plain : `dbship_${createHash('sha256').update(plain).digest('hex').slice(0, 12)}_${suffix}`.slice(0, MAX_IDENTIFIER_BYTES);
}

/** The object as JSON without its name, keys sorted: two definitions that differ only by name compare equal. */
function withoutName(v: object): string {
  return JSON.stringify(v, (k, x: unknown) => {
    if (k === 'name' || k === 'concurrently') return undefined;
    if (x && typeof x === 'object' && !Array.isArray(x)) return Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)));
    return x;
  });
}

/** Matches every object of the old column with the models' one, or refuses the rename saying which does not match. */
export function carryOver(prev: Snapshot, cur: Snapshot, r: RenameRequest): CarryOver {
  const before = prev.tables[r.table]!;
  const after = cur.tables[r.table]!;
  const column = before.columns[r.from]!;
  const target = after.columns[r.to]!;
  refuseKeys(prev, before, column, r);
  const sameColumn = (c: SnapshotColumn) => withoutName({ ...c, uniqueName: undefined });
  if (sameColumn(column) !== sameColumn(target)) mismatch(r, `the column "${r.to}" differs from "${r.from}" in more than its name`);
  const renamed = structuredClone(prev);
  const table = renamed.tables[r.table]!;
  table.columns = Object.fromEntries(Object.entries(table.columns).map(([k, c]) => (k === r.from ? [r.to, structuredClone(target)] : [k, c])));
  const indexes: IndexRebuild[] = [];
  const oldIndexes: CarryOver['oldIndexes'] = [];
  if (column.isUnique) {
    const final = target.uniqueName ?? `${before.name}_${r.to}_unique`;
    indexes.push({ target: { name: final, columns: plainColumns([r.to]), isUnique: true, method: 'btree', with: {} }, temp: tempName(final), constraint: { nullsNotDistinct: column.nullsNotDistinct ?? false } });
    oldIndexes.push({ index: { name: column.uniqueName ?? `${before.name}_${r.from}_unique`, columns: plainColumns([r.from]), isUnique: true }, constraint: { nullsNotDistinct: column.nullsNotDistinct ?? false } });
  }
  const swap = (cols: readonly string[]) => cols.map((c) => (c === r.from ? r.to : c));
  for (const u of Object.values(before.uniqueConstraints ?? {}).filter((x) => x.columns.includes(r.from))) {
    const want = { columns: swap(u.columns), nullsNotDistinct: u.nullsNotDistinct ?? false };
    const match = Object.values(after.uniqueConstraints ?? {}).find((x) => withoutName({ columns: x.columns, nullsNotDistinct: x.nullsNotDistinct ?? false }) === withoutName(want));
    if (!match) mismatch(r, `the unique constraint ${u.name} has no counterpart on "${r.to}" in the models`);
    move(table, 'uniqueConstraints', u.name, match);
    indexes.push({ target: { name: match.name, columns: plainColumns(want.columns), isUnique: true, method: 'btree', with: {} }, temp: tempName(match.name), constraint: { nullsNotDistinct: want.nullsNotDistinct } });
    oldIndexes.push({ index: { name: u.name, columns: plainColumns(u.columns), isUnique: true }, constraint: { nullsNotDistinct: want.nullsNotDistinct } });
  }
  for (const i of Object.values(before.indexes).filter((x) => usesColumn(x, r.from))) {
    const want = rewriteIndex(i, before.name, r);
    const match = Object.values(after.indexes).find((x) => withoutName(x) === withoutName(want));
    if (!match) mismatch(r, `the index ${i.name} has no counterpart on "${r.to}" in the models`);
    move(table, 'indexes', i.name, match);
    indexes.push({ target: match, temp: tempName(match.name) });
    oldIndexes.push({ index: i });
  }
  const constraints: CopiedConstraint[] = [];
  const oldConstraints: string[] = [];
  const rel = `${q(before.schema || 'public')}.${q(before.name)}`;
  for (const f of Object.values(before.foreignKeys).filter((x) => x.columnsFrom.includes(r.from))) {
    const want = { ...f, columnsFrom: swap(f.columnsFrom) };
    const match = Object.values(after.foreignKeys).find((x) => withoutName(x) === withoutName(want));
    if (!match) mismatch(r, `the foreign key ${f.name} has no counterpart on "${r.to}" in the models`);
    move(table, 'foreignKeys', f.name, match);
    constraints.push({ temp: tempName(match.name), final: match.name, definition: foreignKeySql(match) });
    oldConstraints.push(`ALTER TABLE ${rel} ADD CONSTRAINT ${q(f.name)} ${foreignKeySql(f)};`);
  }
  for (const c of Object.values(before.checkConstraints ?? {}).filter((x) => mentionsColumn(x.value, r.from))) {
    const value = renameColumnIn(c.value, before.name, r.from, r.to);
    if (value === null) refuse(`the online rename of ${r.table}.${r.from} cannot rewrite the check constraint ${c.name}`, `its expression (${c.value}) does not parse as one expression without subqueries, or names "${r.from}" qualified by another table, so it cannot be moved to "${r.to}" safely.`, 'drop the check in its own migration first, rename, then add it again on the new column.');
    const match = Object.values(after.checkConstraints ?? {}).find((x) => x.value === value);
    if (!match) mismatch(r, `the check constraint ${c.name} has no counterpart on "${r.to}" in the models (expected ${value})`);
    move(table, 'checkConstraints', c.name, match);
    constraints.push({ temp: tempName(match.name), final: match.name, definition: `CHECK (${match.value})` });
    oldConstraints.push(`ALTER TABLE ${rel} ADD CONSTRAINT ${q(c.name)} CHECK (${c.value});`);
  }
  const notNull = column.notNull ? derivedName(`${before.name}_${r.to}`, 'not_null') : null;
  const window = (t: SnapshotTable, defaultSql: string | undefined) => {
    const { isUnique: _u, uniqueName: _n, nullsNotDistinct: _d, ...rest } = structuredClone(target);
    t.columns[r.to] = { ...rest, notNull: false, ...(defaultSql === undefined ? {} : { default: defaultSql }) };
    if (defaultSql === undefined) delete t.columns[r.to]!.default;
    if (notNull) t.checkConstraints = { ...(t.checkConstraints ?? {}), [notNull]: { name: notNull, value: `${q(r.to)} IS NOT NULL` } };
    for (const f of Object.values(after.foreignKeys).filter((x) => x.columnsFrom.includes(r.to))) t.foreignKeys[tempName(f.name)] = { ...structuredClone(f), name: tempName(f.name) };
    for (const c of constraints.filter((x) => x.definition.startsWith('CHECK'))) {
      t.checkConstraints = { ...(t.checkConstraints ?? {}), [c.temp]: { name: c.temp, value: after.checkConstraints![c.final]!.value } };
    }
  };
  return { notNull, default: column.default === undefined ? null : String(column.default), indexes, constraints, oldConstraints, oldIndexes, renamed, window };
}

/** Plain (not expression) index columns, ascending. */
export const plainColumns = (columns: readonly string[]): SnapshotIndex['columns'] => columns.map((c) => ({ expression: c, isExpression: false, asc: true, nulls: 'last' }));

/** True when the index's columns, expressions or predicate reference `column`. */
export function usesColumn(i: SnapshotIndex, column: string): boolean {
  return i.columns.some((c) => (c.isExpression ? mentionsColumn(c.expression, column) : c.expression === column)) || (i.where !== undefined && i.where !== '' && mentionsColumn(i.where, column));
}

function rewriteIndex(i: SnapshotIndex, table: string, r: RenameRequest): SnapshotIndex {
  const expr = (text: string): string => {
    const out = renameColumnIn(text, table, r.from, r.to);
    if (out === null) refuse(`the online rename of ${r.table}.${r.from} cannot rewrite the index ${i.name}`, `its expression (${text}) does not parse as one expression without subqueries, or names "${r.from}" qualified by another table.`, 'drop the index in its own migration first, rename, then create it again on the new column.');
    return out;
  };
  return {
    ...structuredClone(i),
    columns: i.columns.map((c) => ({ ...c, expression: c.isExpression ? expr(c.expression) : c.expression === r.from ? r.to : c.expression })),
    ...(i.where ? { where: expr(i.where) } : {}),
  };
}

function move(table: SnapshotTable, kind: 'indexes' | 'foreignKeys' | 'uniqueConstraints' | 'checkConstraints', from: string, to: { name: string }): void {
  const record = (table[kind] ?? {}) as Record<string, unknown>;
  delete record[from];
  record[to.name] = structuredClone(to);
  table[kind] = record as never;
}

export function foreignKeySql(f: SnapshotForeignKey): string {
  const cols = (c: readonly string[]) => c.map((x) => q(x)).join(', ');
  const actions = `${f.onDelete ? ` ON DELETE ${f.onDelete}` : ''}${f.onUpdate ? ` ON UPDATE ${f.onUpdate}` : ''}`;
  return `FOREIGN KEY (${cols(f.columnsFrom)}) REFERENCES ${q(f.schemaTo || 'public')}.${q(f.tableTo)} (${cols(f.columnsTo)})${actions}`;
}

function mismatch(r: RenameRequest, what: string): never {
  refuse(`the models change more than the rename ${r.table}.${r.from} -> ${r.to}: ${what}`, 'an online rename is generated on its own, so that its steps are exactly the rename and nothing else waits for its contract; every index and constraint of the column must stay the same on the new one (only names drizzle derives from the column may change).', 'make the other model changes in a separate `generate` run, before or after the rename.');
}

/** What no version of the online rename carries over, with the reason. */
function refuseKeys(prev: Snapshot, table: SnapshotTable, c: SnapshotColumn, r: RenameRequest): void {
  const why: string[] = [];
  const inPk = Object.values(table.compositePrimaryKeys ?? {}).some((k) => k.columns.includes(r.from));
  if (c.primaryKey || inPk) why.push('it is (part of) the primary key: the backfill batches by the key, foreign keys of other tables and the identity hang on it, and swapping a key needs its own lock-heavy step (a new key index, every referencing foreign key moved)');
  if (c.identity || c.generated) why.push('it is an identity or generated column (two columns cannot share one sequence or expression safely)');
  if (/serial$/i.test(c.type) || String(c.default ?? '').includes('nextval(')) why.push('it draws from a sequence that the old column owns (the contract would drop it)');
  const referencing = Object.values(prev.tables).flatMap((t) => Object.values(t.foreignKeys).filter((f) => f.tableTo === table.name && (f.schemaTo || 'public') === (table.schema || 'public') && f.columnsTo.includes(r.from)).map((f) => f.name));
  if (referencing.length > 0) why.push(`foreign keys of other tables reference it (${referencing.join(', ')}); they would have to move in the contract`);
  if (why.length === 0) return;
  refuse(`the online rename of ${r.table}.${r.from} is not supported: ${why.join('; ')}`, 'the online rename copies a column next to the old one and drops the old one at the contract; these objects cannot move over to a copy safely.', 'rename it by hand with expand/contract (docs/workflow.md), in a maintenance window.');
}
