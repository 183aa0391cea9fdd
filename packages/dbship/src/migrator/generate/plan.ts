import { randomUUID } from 'node:crypto';
import { NO_TRANSACTION } from '../folder/files.js';
import type { DrizzleKit } from './kit.js';
import { applySafeForms, concurrentCreateIndex, concurrentDropIndex, type TableMember, type SafeFormPlan } from './safe-forms.js';
import type { Snapshot } from '../folder/snapshot.js';

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
  /** What generate tells the author besides the files (e.g. what an online change leaves for later). */
  readonly notes?: readonly string[];
}

/** A copy of `snapshot` linked after `prevId` (a migration that does not change the schema). */
export function relink(snapshot: Snapshot, prevId: string): Snapshot {
  return { ...structuredClone(snapshot), id: randomUUID(), prevId };
}

/** `snapshot` without the given indexes (an intermediate state around a concurrent migration). */
export function withoutIndexes(snapshot: Snapshot, indexes: readonly TableMember[]): Snapshot {
  const copy = structuredClone(snapshot);
  for (const { table, name } of indexes) delete copy.tables[table]?.indexes?.[name];
  return copy;
}

/** `snapshot` without the given unique constraints (before they are attached to their indexes). */
export function withoutUniques(snapshot: Snapshot, uniques: readonly TableMember[]): Snapshot {
  const copy = structuredClone(snapshot);
  for (const { table, name } of uniques) delete (copy.tables[table]?.uniqueConstraints as Record<string, unknown> | undefined)?.[name];
  return copy;
}

/** `snapshot` with the given columns still nullable (before the validate migration sets NOT NULL). */
export function withNullable(snapshot: Snapshot, columns: readonly TableMember[]): Snapshot {
  const copy = structuredClone(snapshot);
  for (const { table, name } of columns) {
    const column = copy.tables[table]?.columns[name];
    if (column) column.notNull = false;
  }
  return copy;
}

const NO_TX_HEADER = `-- ${NO_TRANSACTION}`;

/** Makes every index statement of a (down) file its concurrent, idempotent form. */
function concurrently(statements: readonly string[]): string[] {
  return statements.map((s) => concurrentDropIndex(concurrentCreateIndex(s)));
}

/** One migration of a split change, before its down SQL and snapshot id are known. */
interface Step {
  readonly name: string;
  readonly header: readonly string[];
  readonly up: readonly string[];
  readonly downHeader: readonly string[];
  readonly transactional: boolean;
  /** The schema before and after it: the down SQL is drizzle-kit's diff `after -> before`. */
  readonly before: Snapshot;
  readonly after: Snapshot;
  /** Down SQL the snapshots cannot express (e.g. temporary constraints), run before the diff's. */
  readonly extraDown?: readonly string[];
}

/**
 * Turns the diff `prev -> cur` into up to five migrations, in the order they must run:
 * `<name>_drop_concurrently` (index drops on existing tables, outside a transaction; named
 * `<name>_concurrently` when nothing is built afterwards), `<name>` (the transactional part),
 * `<name>_validate` (constraints the previous one added NOT VALID, validated in their own
 * transaction), `<name>_concurrently` (index builds on existing tables, outside a transaction)
 * and `<name>_attach` (unique constraints attached to the indexes just built). Each gets its down SQL and a snapshot, chained by id/prevId; the last one is `cur`.
 */
export async function planDiff(kit: DrizzleKit, name: string, prev: Snapshot, cur: Snapshot, up: readonly string[]): Promise<PlannedMigration[]> {
  const steps = splitSteps(name, prev, cur, await applySafeForms(up, prev));
  const plans: PlannedMigration[] = [];
  let prevId = prev.id;
  for (const [i, step] of steps.entries()) {
    const snapshot = i === steps.length - 1 ? { ...cur, prevId } : relink(step.after, prevId);
    const reverse = [...(step.extraDown ?? []), ...allowEnumRebuild(await kit.generateMigration(step.after, step.before), step.after, step.before)];
    const down = step.transactional ? reverse : concurrently(reverse);
    const { name: stepName, header, up: stepUp, downHeader, transactional } = step;
    plans.push({ name: stepName, header, up: stepUp, downHeader, down, transactional, snapshot });
    prevId = snapshot.id;
  }
  return plans;
}

/** `ALTER TYPE ... ADD VALUE '<value>'`, as drizzle-kit writes it. */
const ADD_VALUE = /^ALTER\s+TYPE\s+.+?\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?'((?:[^']|'')*)'/is;

/**
 * The enum values the diff adds, when another statement of the same transaction uses one (a
 * default, a check, an index predicate): PostgreSQL refuses a value added in the transaction that
 * uses it (55P04 "unsafe use of new value"), so such a diff fails on deploy as drizzle-kit writes
 * it. Those `ADD VALUE`s go first, in a migration of their own; null when none is used.
 */
function usedNewEnumValues(statements: readonly string[]): { addValues: string[]; rest: string[] } | null {
  const addValues = statements.filter((x) => ADD_VALUE.test(x.trim()));
  const rest = statements.filter((x) => !addValues.includes(x));
  const literals = addValues.map((x) => `'${ADD_VALUE.exec(x.trim())![1]!}'`);
  return literals.some((l) => rest.some((x) => x.includes(l))) ? { addValues, rest } : null;
}

/** `prev` with the enums' values as `cur` has them (the schema once the new values are committed). */
function withEnumValues(prev: Snapshot, cur: Snapshot): Snapshot {
  const copy = structuredClone(prev);
  for (const [key, e] of Object.entries(cur.enums ?? {})) {
    if (copy.enums?.[key]) copy.enums[key] = structuredClone(e);
  }
  return copy;
}

/**
 * PostgreSQL cannot drop an enum value: drizzle-kit undoes an added value by converting each
 * column of the type to text, re-creating the type and converting back. That is how a down file
 * must do it (it is not online, like other down files that rebuild), so the conversions carry an
 * allow line saying why instead of failing generate's lint.
 */
function allowEnumRebuild(down: readonly string[], from: Snapshot, to: Snapshot): string[] {
  const removed = Object.entries(from.enums ?? {}).filter(([key, e]) => {
    const kept = to.enums?.[key]?.values;
    return kept !== undefined && e.values.some((v) => !kept.includes(v));
  });
  if (removed.length === 0) return [...down];
  const names = removed.map(([, e]) => `${e.schema || 'public'}.${e.name}`).join(', ');
  return down.map((x) => (/\bALTER\s+COLUMN\b.*\bSET\s+DATA\s+TYPE\b/is.test(x)
    ? `-- dbship:allow column-type-rewrite undoing the values added to ${names}: PostgreSQL cannot drop an enum value, so the type is rebuilt and its columns converted (not online; fails if a row holds a removed value)\n${x}`
    : x));
}

function splitSteps(name: string, prev: Snapshot, cur: Snapshot, safe: SafeFormPlan): Step[] {
  const values = usedNewEnumValues(safe.transactional);
  if (values) {
    const withValues = withEnumValues(prev, cur);
    const header = [`-- The enum values that ${name} uses, added and committed first: PostgreSQL refuses a value added in the transaction that uses it.`];
    const rest = splitSteps(name, withValues, cur, { ...safe, transactional: values.rest });
    return [{ name: `${name}_enum_values`, header, up: values.addValues, downHeader: [], transactional: true, before: prev, after: withValues }, ...rest];
  }
  const afterDrops = withoutIndexes(prev, safe.dropped);
  const unattached = withoutUniques(cur, safe.attached);
  const built = withoutIndexes(unattached, safe.created);
  const mid = withNullable(built, safe.notNulled);
  const noTx = { header: [NO_TX_HEADER], downHeader: [NO_TX_HEADER], transactional: false };
  const tx = { header: [], downHeader: [], transactional: true };
  const steps: Step[] = [];
  if (safe.dropIndexes.length > 0) {
    const suffix = safe.createIndexes.length > 0 ? 'drop_concurrently' : 'concurrently';
    steps.push({ ...noTx, name: `${name}_${suffix}`, up: safe.dropIndexes, before: prev, after: afterDrops });
  }
  if (safe.transactional.length > 0) steps.push({ ...tx, name, up: safe.transactional, before: afterDrops, after: mid, extraDown: safe.transactionalDown });
  if (safe.validate.length > 0) steps.push(validateStep(name, safe, mid, built));
  if (safe.createIndexes.length > 0) {
    steps.push({ ...noTx, name: `${name}_concurrently`, up: safe.createIndexes, before: built, after: unattached, extraDown: safe.createIndexesDown });
  }
  if (safe.attach.length > 0) {
    const header = [`-- Turns the unique indexes that ${name}_concurrently built into constraints: a brief lock, no index build.`];
    steps.push({ ...tx, name: `${name}_attach`, header, up: safe.attach, before: unattached, after: cur });
  }
  return steps;
}

function validateStep(name: string, safe: SafeFormPlan, before: Snapshot, after: Snapshot): Step {
  const header = [`-- Validates the constraints that ${name} added NOT VALID: scans the rows holding only a SHARE UPDATE EXCLUSIVE lock, so reads and writes continue.`];
  if (safe.notNulled.length > 0) header.push('-- SET NOT NULL is then proved by the validated check, without a scan, and the check is dropped.');
  // Undoing a validation takes no SQL; undoing a SET NOT NULL does (drizzle-kit's reverse diff).
  const downHeader = safe.notNulled.length > 0 ? [] : [`-- Nothing to undo: validation changes no data; the down file of ${name} drops the constraints.`];
  return { name: `${name}_validate`, header, up: safe.validate, downHeader, transactional: true, before, after, extraDown: safe.validateDown };
}
