import type { Node, TypeName } from 'libpg-query';
import { parseSql } from '../sql/split.js';
import { as, names } from './ast.js';

/** A column type reduced to what decides whether a type change rewrites the table. */
export interface NormalizedType {
  /** Internal name without `pg_catalog`, e.g. `varchar` for `character varying`, `int4` for `integer`. */
  readonly name: string;
  /** Integer type modifiers (`varchar(20)` -> [20], `numeric(10,2)` -> [10, 2]); null when not constants. */
  readonly mods: readonly number[] | null;
  readonly array: boolean;
  /** For messages, e.g. `varchar(20)`. */
  readonly display: string;
}

/** Normalizes a parsed TypeName. */
export function typeFromTypeName(type: TypeName): NormalizedType {
  const parts = names(type.names);
  const name = parts.at(-1) ?? '?';
  const values = (type.typmods ?? []).map((m) => {
    // The parse tree omits zero integers (`{ ival: {} }`), so a present but empty ival is 0.
    const c = as(m, 'A_Const');
    return c?.ival === undefined ? undefined : (c.ival.ival ?? 0);
  });
  const mods = values.every((v) => v !== undefined) ? (values as number[]) : null;
  const array = (type.arrayBounds?.length ?? 0) > 0;
  const display = `${parts[0] === 'pg_catalog' ? name : parts.join('.')}${mods && mods.length > 0 ? `(${mods.join(',')})` : ''}${array ? '[]' : ''}`;
  return { name, mods, array, display };
}

/**
 * Parses a type as drizzle-kit writes it in a snapshot (`varchar(200)`, `numeric(10, 2)`,
 * `timestamp with time zone`). The parser must be loaded. Undefined when it does not parse.
 */
export function parseTypeText(text: string): NormalizedType | undefined {
  try {
    const tree = parseSql(`SELECT NULL::${text}`) as { stmts?: { stmt?: Node }[] };
    const select = as(tree.stmts?.[0]?.stmt, 'SelectStmt');
    const target = as(select?.targetList?.[0], 'ResTarget');
    const cast = as(target?.val, 'TypeCast');
    return cast?.typeName ? typeFromTypeName(cast.typeName) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether changing a column from `from` to `to` is proven to need neither a table rewrite nor a
 * scan. Only these cases are accepted (PostgreSQL treats them as binary-coercible with no check):
 * - the same type and modifiers;
 * - `varchar(n)` to `varchar(m)` with m >= n, to unbounded `varchar`, or to `text`;
 * - unbounded `varchar` to `text`, and `text` to unbounded `varchar`;
 * - `numeric(p,s)` to `numeric(q,s)` with q >= p (same scale), or to unconstrained `numeric`.
 * Anything else (including arrays of these) is reported as a possible rewrite.
 */
export function isSafeTypeChange(from: NormalizedType, to: NormalizedType): boolean {
  if (from.mods === null || to.mods === null) return false;
  if (from.array !== to.array) return false;
  const same = from.name === to.name && from.mods.join(',') === to.mods.join(',');
  if (same) return true;
  if (from.array) return false;
  if (from.name === 'varchar') {
    if (to.name === 'text') return true;
    if (to.name !== 'varchar') return false;
    if (to.mods.length === 0) return true;
    return from.mods.length === 1 && to.mods[0]! >= from.mods[0]!;
  }
  if (from.name === 'text') return to.name === 'varchar' && to.mods.length === 0;
  if (from.name === 'numeric' && to.name === 'numeric') {
    if (to.mods.length === 0) return true;
    if (from.mods.length === 0) return false;
    const [p1, s1 = 0] = from.mods;
    const [p2, s2 = 0] = to.mods;
    return s1 === s2 && p2! >= p1!;
  }
  return false;
}
