import { escapeIdentifier as q, escapeLiteral } from 'pg';
import { DbshipError } from '../../errors.js';
import { identifierBytes, MAX_IDENTIFIER_BYTES } from '../sql/identifier.js';
import { loadParser, parseSql } from '../sql/split.js';
import { refuse } from './online-common.js';
import { syncName } from './online-sql.js';

/**
 * The value conversion of an online type change (`generate --retype`): how the shadow column's
 * value is computed from the column's (forward: the trigger and the backfill), how the column's is
 * computed back (the contract's down file), and, for a change that can lose values, the predicate
 * every value must satisfy before the swap (a NOT VALID check from the expand on).
 */
export interface CastOptions {
  /** `--using`: the conversion as one SQL expression over the column (parsed, see `parseUsing`). */
  readonly using?: UsingExpression | undefined;
  /** `--zone`: the time zone a `timestamp` value is read in (an IANA name, e.g. `UTC`). */
  readonly zone?: string | undefined;
}

/** A `--using` expression, cut at each reference to the column (so that it can be re-aimed). */
export interface UsingExpression {
  /** As written. */
  readonly text: string;
  /** The text around the column references: `left(name, 20)` is `['left(', ', 20)']`. */
  readonly parts: readonly string[];
}

export interface CastPlan {
  /** The new-typed value of the old-typed SQL value `x` (e.g. `NEW."name"`). */
  forward(x: string): string;
  /** The old-typed value of the new-typed SQL value `y` (the contract's down file). */
  backward(y: string): string;
  /** A predicate true (or NULL) when `x` converts without loss or error; absent when every value does. */
  readonly guard?: ((x: string) => string) | undefined;
  /** One comment line for the expand's header, saying how values are converted. */
  readonly note: string;
}

const INTEGERS: Record<string, [string, string]> = { smallint: ['-32768', '32767'], integer: ['-2147483648', '2147483647'], bigint: ['', ''] };
const TIMESTAMP = /^timestamp(?: ?\((\d)\))?( with time zone)?$/;

/** The character limit of a text type: Infinity for text / varchar, n for varchar(n), NaN otherwise. */
function length(type: string): number {
  if (type === 'text' || type === 'varchar') return Infinity;
  return Number(/^varchar\((\d+)\)$/.exec(type)?.[1] ?? NaN);
}

/** The predicate "`x` is a value of `type`" when `type` bounds values (varchar(n), smallint, integer). */
function fits(type: string, x: string): string | undefined {
  const n = length(type);
  if (Number.isFinite(n)) return `char_length(${x}) <= ${n}`;
  const range = INTEGERS[type];
  return range && range[0] !== '' ? `${x} BETWEEN ${range[0]} AND ${range[1]}` : undefined;
}

/**
 * How a retype from `from` to `to` converts values, or a refusal (GENERATE_FAILED) naming what is
 * supported. Widening (`smallint` -> `integer` -> `bigint`, a longer varchar, text) is a plain cast
 * that every value survives. Narrowing (`bigint` -> `integer`, `text` -> `varchar(n)`, a shorter
 * varchar) is the same cast behind a guard: a value that does not fit is refused, never truncated.
 * `timestamp` <-> `timestamptz` converts with `AT TIME ZONE '<zone>'` both ways, so that the
 * result does not depend on the writing session's TimeZone; the zone must be given. `--using`
 * replaces the forward conversion with the reviewer's expression (guarded by the new type's bound
 * when it has one); the down file then casts back plainly.
 */
export function castPlan(from: string, to: string, options: CastOptions = {}, subject?: string): CastPlan {
  const change = `the online type change ${from} -> ${to}${subject ? ` of ${subject}` : ''}`;
  const [tf, tt] = [TIMESTAMP.exec(from), TIMESTAMP.exec(to)];
  const zoned = tf !== null && tt !== null && Boolean(tf[2]) !== Boolean(tt[2]);
  if (options.zone !== undefined && !zoned) {
    throw new DbshipError('USAGE', `--zone does not apply to ${from} -> ${to}`, { why: '--zone names the time zone of a timestamp without time zone, for a change between timestamp and timestamptz.', fix: 'leave --zone out.' });
  }
  if (zoned) return zonePlan(change, tf, tt, options);
  const plain = (y: string) => `${y}::${from}`;
  if (options.using) {
    const u = options.using;
    const apply = (x: string) => `(${u.parts.join(x)})`;
    const bound = fits(to, apply('x')) === undefined ? undefined : (x: string) => fits(to, apply(x))!;
    return { forward: (x) => `${apply(x)}::${to}`, backward: plain, guard: bound, note: `values converted by --using ${oneLine(u.text)}${bound ? `; a result that does not fit ${to} is refused` : ''}; the down file casts back with ::${from}` };
  }
  const i = Object.keys(INTEGERS).indexOf(from);
  const j = Object.keys(INTEGERS).indexOf(to);
  const [a, b] = [length(from), length(to)];
  const texts = !Number.isNaN(a) && !Number.isNaN(b);
  if ((i >= 0 && j >= 0) || texts) {
    const cast = (x: string) => `${x}::${to}`;
    const widening = i >= 0 ? j > i : b > a;
    if (widening) return { forward: cast, backward: plain, note: `every ${from} value is a ${to} value: a plain cast` };
    return { forward: cast, backward: plain, guard: (x) => fits(to, x)!, note: `narrowing: a value that does not fit ${to} is refused (check violation), never truncated` };
  }
  return refuse(`${change} is not supported yet`, 'this version carries over integer and character types (smallint, integer, bigint, varchar(n), text) wider or narrower, and timestamp <-> timestamptz with --zone; other conversions need the expression that converts a value.', `give it with --using "<SQL expression over the column>" (its result must be a ${to}), or change the type by hand with expand/contract (docs/workflow.md).`);
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ');

function zonePlan(change: string, tf: RegExpExecArray, tt: RegExpExecArray, options: CastOptions): CastPlan {
  const to = tt[0];
  if (options.zone === undefined) {
    refuse(`${change} needs --zone`, 'converting between timestamp and timestamptz reads a timestamp as the wall-clock time of some zone; a plain cast takes the writing session\'s TimeZone, which two releases (or a pooler) may set differently, and a wrong zone shifts every value without an error. Which zone the values are in is a fact about the data dbship cannot see.', 'name it: --zone UTC when the values are UTC (drizzle\'s timestamp() in mode \'date\' writes and reads them as UTC), or the IANA zone they were written in (e.g. --zone Europe/Berlin).');
  }
  if (Number(tt[1] ?? 6) < Number(tf[1] ?? 6)) {
    refuse(`${change} lowers the precision`, 'a lower precision rounds the stored values.', 'keep the precision (or change it in a separate step).');
  }
  const zone = escapeLiteral(options.zone);
  const at = (x: string) => `(${x} AT TIME ZONE ${zone})`;
  const note = `a ${tf[2] ? 'timestamptz is written as the wall-clock time' : 'timestamp is read as the wall-clock time'} in ${options.zone}, whatever the session's TimeZone (AT TIME ZONE ${zone}, both ways)`;
  if (options.using) {
    const u = options.using;
    return { forward: (x) => `(${u.parts.join(x)})::${to}`, backward: at, note: `values converted by --using ${oneLine(u.text)}; the down file converts back with AT TIME ZONE ${zone}` };
  }
  return { forward: at, backward: at, note };
}

/** The SQL of a guarded conversion: the NOT VALID check of the expand, and its proof in the contract. */
export interface CastGuard {
  /** The shadow's value from the old-typed `x`: NULL instead of an error when the guard fails (the check then refuses the row). */
  convert(x: string): string;
  /** The check constraint (absent for an unguarded conversion). */
  readonly check?: { readonly name: string; readonly value: string } | undefined;
  /** Expand (and the contract's down): `ADD CONSTRAINT ... CHECK (...) NOT VALID`. */
  readonly add: string[];
  /** Contract: VALIDATE, failing with the count of the rows that do not fit and what to do; then the check is dropped. */
  readonly validate: string[];
  /** The expand's down file. */
  readonly drop: string[];
  /** The backfill's extra condition: it also visits a row that does not fit, so that the check reports it. */
  readonly unfit: (x: string) => string;
}

/** The guard statements of `plan` for `column` of `rel` (`"schema"."table"`), shown as `shown` (`public.users.name`). */
export function castGuard(plan: CastPlan, o: { rel: string; table: string; column: string; shown: string; to: string }): CastGuard {
  const guard = plan.guard;
  if (!guard) return { convert: plan.forward, add: [], validate: [], drop: [], unfit: () => '' };
  const plain = `${o.column}_dbship_fits`;
  const name = identifierBytes(plain) <= MAX_IDENTIFIER_BYTES ? plain : `${syncName(o.table, o.column, 'fits')}_fits`;
  const c = q(o.column);
  const value = guard(c);
  const say = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const pct = (text: string) => text.replaceAll('%', '%%');
  const message = say(`% row(s) of ${pct(o.shown)} hold a value that does not fit ${o.to} (check ${name}: ${pct(value)})`);
  const hint = say(`change those rows (SELECT * FROM ${o.rel} WHERE (${value}) IS FALSE) to values that fit and run again, or revert this change (dbship downgrade) and generate it again with --using <an expression that converts them>.`);
  const validate = `DO $dbship$
DECLARE
  unfit bigint;
BEGIN
  ALTER TABLE ${o.rel} VALIDATE CONSTRAINT ${q(name)};
EXCEPTION WHEN check_violation THEN
  SELECT count(*) INTO unfit FROM ${o.rel} WHERE (${value}) IS FALSE;
  RAISE EXCEPTION ${message}, unfit USING ERRCODE = 'check_violation', HINT = ${hint};
END
$dbship$;`;
  return {
    convert: (x) => `CASE WHEN (${guard(x)}) IS NOT FALSE THEN ${plan.forward(x)} END`,
    check: { name, value },
    add: [`ALTER TABLE ${o.rel} ADD CONSTRAINT ${q(name)} CHECK (${value}) NOT VALID;`],
    validate: [validate, `ALTER TABLE ${o.rel} DROP CONSTRAINT ${q(name)};`],
    drop: [`ALTER TABLE ${o.rel} DROP CONSTRAINT IF EXISTS ${q(name)};`],
    unfit: (x) => ` OR (${guard(x)}) IS FALSE`,
  };
}

/** `--zone`: an IANA time zone name, as Node's Intl knows it (POSIX offsets such as `+02` are refused: their sign is inverted). */
export function parseZone(text: string): string {
  const zone = text.trim();
  let ok = /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone);
  try {
    if (ok) new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new DbshipError('USAGE', `invalid --zone "${text}"`, { why: 'the zone is written into the trigger, the backfill and the down files as AT TIME ZONE \'<zone>\'; it must be an IANA time zone name (POSIX offsets such as +02 mean the opposite sign in PostgreSQL).', fix: 'write e.g. --zone UTC or --zone Europe/Berlin.' });
  }
  return zone;
}

interface ColumnRef {
  readonly fields: readonly { String?: { sval: string } }[];
  readonly location: number;
}

/**
 * Parses `--using` with the PostgreSQL parser: one expression whose only column is `column` (written
 * plainly or double-quoted), no subquery. It is written into the trigger (with `NEW."column"`), the
 * backfill and the check.
 */
export async function parseUsing(text: string, column: string): Promise<UsingExpression> {
  const usage = (why: string) => new DbshipError('USAGE', `invalid --using "${text}"`, { why, fix: `write one SQL expression over ${column}, e.g. --using "left(${column}, 100)".` });
  const expr = text.trim();
  if (/--|\/\*|\$dbship\$/.test(expr)) throw usage('it may not hold a comment (-- or /*) or $dbship$: it is written inline into the trigger\'s body, the backfill and a check.');
  await loadParser();
  const sql = `SELECT (${expr})`;
  let tree: unknown;
  try {
    tree = parseSql(sql);
  } catch (err) {
    throw usage(`it is not one SQL expression: ${(err as Error).message}.`);
  }
  const stmts = (tree as { stmts?: unknown[] }).stmts ?? [];
  const select = (stmts[0] as { stmt?: { SelectStmt?: Record<string, unknown[] | undefined> } } | undefined)?.stmt?.SelectStmt;
  const clauses = Object.keys(select ?? {}).filter((k) => Array.isArray(select?.[k]) && k !== 'targetList');
  if (stmts.length !== 1 || !select || select.targetList?.length !== 1 || clauses.length > 0) throw usage('it is not one SQL expression.');
  if (JSON.stringify(tree).includes('"SubLink"')) throw usage('it may not run a subquery: it is evaluated for every written row, in the trigger.');
  const refs: ColumnRef[] = [];
  collect(tree, refs);
  const names = refs.map((r) => r.fields.map((f) => f.String?.sval ?? '*').join('.'));
  if (refs.length === 0 || names.some((n) => n !== column)) throw usage(`it must name the column ${column} and no other (it names ${names.length ? [...new Set(names)].join(', ') : 'none'}).`);
  const bytes = Buffer.from(sql);
  const parts: string[] = [];
  let at = 0;
  for (const r of [...refs].sort((x, y) => x.location - y.location)) {
    const quoted = bytes[r.location] === 0x22;
    const end = r.location + (quoted ? Buffer.byteLength(`"${column.replaceAll('"', '""')}"`) : Buffer.byteLength(column));
    parts.push(bytes.subarray(at, r.location).toString());
    at = end;
  }
  parts.push(bytes.subarray(at).toString());
  // Strip the `SELECT (` and `)` around the expression from the first and the last part.
  parts[0] = parts[0]!.slice('SELECT ('.length);
  parts[parts.length - 1] = parts.at(-1)!.slice(0, -1);
  return { text: expr, parts };
}

function collect(node: unknown, out: ColumnRef[]): void {
  if (Array.isArray(node)) {
    for (const n of node) collect(n, out);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'ColumnRef') out.push(v as ColumnRef);
      else collect(v, out);
    }
  }
}
