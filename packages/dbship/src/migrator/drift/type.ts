/**
 * Canonical column types, so that drizzle-kit's spelling (`varchar(100)`, `timestamp (3) with time
 * zone`, `integer[][]`, `serial`) and the server's `format_type()` spelling (`character
 * varying(100)`, `timestamp(3) with time zone`, `integer[]`) compare equal when they mean the same.
 */

const SERIALS: Readonly<Record<string, string>> = {
  smallserial: 'smallint', serial2: 'smallint',
  serial: 'integer', serial4: 'integer',
  bigserial: 'bigint', serial8: 'bigint',
};

/** Type names that are spelled several ways; the value is the server's own spelling. */
const ALIASES: Readonly<Record<string, string>> = {
  int: 'integer', int4: 'integer', int2: 'smallint', int8: 'bigint',
  float4: 'real', float8: 'double precision', float: 'double precision',
  bool: 'boolean', decimal: 'numeric', varchar: 'character varying', varbit: 'bit varying',
  char: 'character', bpchar: 'character', timestamptz: 'timestamp with time zone', timetz: 'time with time zone',
  ...SERIALS,
};

/** The integer type behind `serial`, `bigserial`, `smallserial` (and their `serialN` names), else null. */
export function serialBaseType(type: string): string | null {
  return SERIALS[type.trim().toLowerCase()] ?? null;
}

/**
 * The canonical spelling of a column type. Arrays keep one `[]` whatever their declared
 * dimensions (PostgreSQL does not enforce them); a schema qualification is dropped (enums are
 * compared with their schema separately); serial types become their integer type.
 */
export function canonicalTypeText(raw: string): string {
  let s = raw.trim().toLowerCase().replace(/"/g, '');
  let array = false;
  while (/\[\d*\]$/.test(s)) {
    s = s.replace(/\s*\[\d*\]$/, '');
    array = true;
  }
  s = s.replace(/\s+/g, ' ').replace(/\s*\(\s*/g, '(').replace(/\s*\)/g, ')').replace(/\s*,\s*/g, ',');
  s = s.replace(/^[a-z_][a-z0-9_$]*\.(?=[a-z_])/, '');
  return canonicalBase(s) + (array ? '[]' : '');
}

function canonicalBase(s: string): string {
  const m = /^([a-z_][a-z0-9_ ]*?)(\([^)]*\))?( with(?:out)? time zone)?$/.exec(s);
  if (!m) return s;
  const name = m[1]!;
  const args = m[2] ?? '';
  const zone = m[3] ?? '';
  if (name === 'timestamp' || name === 'time') return `${name}${args}${zone || ' without time zone'}`;
  if (name === 'timestamptz' || name === 'timetz') return `${name.slice(0, -2)}${args} with time zone`;
  if ((name === 'float' || name === 'float4' || name === 'float8') && args) return floatByPrecision(args);
  const base = ALIASES[name] ?? name;
  if (base === 'character' && name !== 'bpchar' && !args) return 'character(1)';
  if (base === 'bit' && !args) return 'bit(1)';
  // numeric(p) is numeric(p,0): the server stores the scale and format_type() prints it.
  if (base === 'numeric' && /^\(\d+\)$/.test(args)) return `numeric${args.slice(0, -1)},0)`;
  return `${base}${args}${zone}`;
}

/** `float(p)`: 1..24 is `real`, 25..53 is `double precision` (PostgreSQL's rule). */
function floatByPrecision(args: string): string {
  const p = Number(args.slice(1, -1));
  return Number.isInteger(p) && p >= 1 && p <= 24 ? 'real' : 'double precision';
}

/** The canonical type of an enum column: `enum schema.name`, with `[]` for an array of it. */
export function enumType(schema: string, name: string, array: boolean): string {
  return `enum ${schema}.${name}${array ? '[]' : ''}`;
}
