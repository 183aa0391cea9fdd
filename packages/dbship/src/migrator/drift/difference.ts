import { sameExpression } from './expr.js';
import { WARNING_KINDS, type DriftDifference, type DriftKind } from './model.js';

// One phrasing for every kind of object, so that drift's output reads the same throughout.

/** Builds one difference. */
export function difference(kind: DriftKind, object: string, expected: string | null, actual: string | null, message: string): DriftDifference {
  return { kind, severity: WARNING_KINDS.has(kind) ? 'warning' : 'error', object, expected, actual, message };
}

/** "X is missing from the database (the models define it)". */
export function missing(kind: DriftKind, object: string, described: string, expected: string): DriftDifference {
  return difference(kind, object, expected, null, `${described} is missing from the database (the models define it)`);
}

/** "X is in the database but not in the models". */
export function extra(kind: DriftKind, object: string, described: string, actual: string): DriftDifference {
  return difference(kind, object, null, actual, `${described} is in the database but not in the models`);
}

/** "subject: what is A in the database, B in the models". */
export function differs(kind: DriftKind, object: string, subject: string, expected: string, actual: string): DriftDifference {
  return difference(kind, object, expected, actual, `${subject} is ${actual} in the database, ${expected} in the models`);
}

/** Keys of both maps, sorted. */
export function unionKeys<K extends string>(a: ReadonlyMap<K, unknown>, b: ReadonlyMap<K, unknown>): K[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}

/** Both absent, or both present and meaning the same. */
export function sameOptionalExpression(e: string | null, a: string | null): boolean {
  if (e === null || a === null) return e === a;
  return sameExpression(e, a);
}

/** An identifier as SQL text: bare when PostgreSQL would read it back unchanged, else double-quoted. */
export function sqlIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
