import type { ColumnDef, FuncCall } from 'libpg-query';
import { columnConstraints, names, walk } from './ast.js';

/** Functions known to be VOLATILE (pg_proc.provolatile = 'v'): a default calling one rewrites the table. */
const VOLATILE = new Set([
  'random', 'random_normal', 'setseed', 'gen_random_uuid', 'uuidv4', 'uuidv7', 'uuid_generate_v1',
  'uuid_generate_v1mc', 'uuid_generate_v4', 'clock_timestamp', 'timeofday', 'nextval', 'currval',
  'lastval', 'setval', 'txid_current', 'pg_current_xact_id', 'gen_random_bytes',
]);

/**
 * Functions known to be STABLE or IMMUTABLE: since PostgreSQL 11 such a default is evaluated once
 * and stored in the catalog, so ADD COLUMN does not rewrite the table. Deliberately short: a
 * function not listed here is reported as possibly volatile.
 */
const NON_VOLATILE = new Set([
  'now', 'transaction_timestamp', 'statement_timestamp', 'timezone', 'lower', 'upper', 'length',
  'abs', 'round', 'floor', 'ceil', 'btrim', 'ltrim', 'rtrim', 'concat', 'make_interval', 'make_date',
  'to_timestamp', 'date_trunc', 'current_setting', 'jsonb_build_object', 'jsonb_build_array',
  'json_build_object', 'json_build_array', 'array_fill',
]);

/** Serial pseudo-types: an implicit `DEFAULT nextval(...)`. */
const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** Why a new column's value is computed per row (a table rewrite), or undefined when it is not. */
export interface VolatileDefault {
  /** What makes it volatile, e.g. `random()`, `serial`, `GENERATED ... AS IDENTITY`. */
  readonly what: string;
  /** True when the function is known to be volatile; false when merely not known to be stable. */
  readonly certain: boolean;
  readonly location: number | undefined;
}

/** The volatile part of an added column's default, if any. */
export function volatileDefault(col: ColumnDef): VolatileDefault | undefined {
  const typeName = names(col.typeName?.names).at(-1) ?? '';
  if (SERIAL_TYPES.has(typeName)) return { what: typeName, certain: true, location: col.typeName?.location };
  for (const c of columnConstraints(col)) {
    if (c.contype === 'CONSTR_IDENTITY') return { what: 'GENERATED ... AS IDENTITY', certain: true, location: c.location };
    if (c.contype === 'CONSTR_DEFAULT' && c.raw_expr) {
      const found = volatileCall(c.raw_expr);
      if (found) return found;
    }
  }
  return undefined;
}

/** The first call in an expression that is volatile or not known to be non-volatile. */
export function volatileCall(expr: unknown): VolatileDefault | undefined {
  let worst: VolatileDefault | undefined;
  const consider = (name: string, location: number | undefined): void => {
    if (NON_VOLATILE.has(name)) return;
    const certain = VOLATILE.has(name);
    if (!worst || (certain && !worst.certain)) worst = { what: `${name}()`, certain, location };
  };
  walk(expr, (tag, payload) => {
    if (tag !== 'FuncCall') return;
    const fc = payload as FuncCall;
    consider(names(fc.funcname).at(-1) ?? '?', fc.location);
  });
  return worst;
}
