import { createHash } from 'node:crypto';
import { escapeIdentifier as q } from 'pg';
import { identifierBytes, MAX_IDENTIFIER_BYTES } from '../sql/identifier.js';

/** The objects of one online rename, named once so that expand, contract and down files agree. */
export interface RenameObjects {
  readonly schema: string;
  readonly table: string;
  readonly from: string;
  readonly to: string;
  /** The column's SQL type as the snapshot records it (`text`, `varchar(80)`, `"s"."enum"`). */
  readonly type: string;
  /** The single-column primary key the backfill batches by. */
  readonly key: string;
  /** The trigger and its function (same name; the function lives in the table's schema). */
  readonly sync: string;
  /** Set when the column has a default: see {@link defaultFunction}. */
  readonly defaulted?: DefaultMarker | undefined;
}

/** The new column's default during the window: the column's own default, wrapped so that the trigger knows it was taken. */
export interface DefaultMarker {
  /** The column's default expression, as the snapshot records it. */
  readonly sql: string;
  /** The function (in the table's schema) that the new column's default calls. */
  readonly fn: string;
  /** The transaction-local setting it raises: `dbship.<name>`. */
  readonly setting: string;
}

/** `dbship_sync_<table>_<from>`, shortened with a hash suffix when it would pass 63 bytes. */
export function syncName(table: string, from: string, to: string): string {
  const plain = `dbship_sync_${table}_${from}`;
  if (identifierBytes(plain) <= MAX_IDENTIFIER_BYTES) return plain;
  const hash = createHash('sha256').update(`${table}.${from}.${to}`).digest('hex').slice(0, 8);
  return `dbship_sync_${hash}`;
}

const rel = (o: RenameObjects) => `${q(o.schema)}.${q(o.table)}`;
const fn = (o: RenameObjects) => `${q(o.schema)}.${q(o.sync)}`;

/**
 * The trigger function that keeps the old and the new column equal while both releases write.
 * Release N writes only the old column, release N+1 only the new one; on INSERT the column the
 * writer left NULL takes the other's value (the new one wins when both are set), on UPDATE the
 * column that changed is copied to the other (the new one wins when both changed). A row that
 * neither touched but differs (not yet backfilled) is brought in step by any update of it.
 */
export function syncFunction(o: RenameObjects): string {
  const [oldC, newC] = [q(o.from), q(o.to)];
  const d = o.defaulted;
  // With a default on the new column, "left out" is told by the flag its default function raises
  // (an explicit NULL and a volatile default both tell apart); the trigger then clears the flag.
  const leftOut = d ? `current_setting('${d.setting}', true) = 'on'` : `NEW.${newC} IS NULL`;
  const clear = d ? `\n  PERFORM set_config('${d.setting}', '', true);` : '';
  return `CREATE FUNCTION ${fn(o)}() RETURNS trigger LANGUAGE plpgsql AS $dbship$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF ${leftOut} THEN
      NEW.${newC} := NEW.${oldC};
    ELSE
      NEW.${oldC} := NEW.${newC};
    END IF;
  ELSIF NEW.${newC} IS DISTINCT FROM OLD.${newC} THEN
    NEW.${oldC} := NEW.${newC};
  ELSE
    NEW.${newC} := NEW.${oldC};
  END IF;${clear}
  RETURN NEW;
END
$dbship$;`;
}

export function syncTrigger(o: RenameObjects): string {
  return `CREATE TRIGGER ${q(o.sync)} BEFORE INSERT OR UPDATE ON ${rel(o)} FOR EACH ROW EXECUTE FUNCTION ${fn(o)}();`;
}

export function addColumn(o: RenameObjects, name: string): string {
  return `ALTER TABLE ${rel(o)} ADD COLUMN ${q(name)} ${o.type};`;
}

export function dropSync(o: RenameObjects): string[] {
  return [`DROP TRIGGER IF EXISTS ${q(o.sync)} ON ${rel(o)};`, `DROP FUNCTION IF EXISTS ${fn(o)}();`];
}

export function dropColumn(o: RenameObjects, name: string): string {
  return `ALTER TABLE ${rel(o)} DROP COLUMN IF EXISTS ${q(name)};`;
}

/** The backfill's one statement: `$1` exclusive lower key bound (NULL at first), `$2` inclusive upper. */
export function backfillUpdate(o: RenameObjects): string {
  const k = q(o.key);
  return `UPDATE ${rel(o)} SET ${q(o.to)} = ${q(o.from)}
 WHERE (${k} > $1 OR $1 IS NULL) AND ${k} <= $2 AND ${q(o.to)} IS DISTINCT FROM ${q(o.from)};`;
}

/** The contract's down: the old column back, filled from the new one, and kept in sync again. */
export function copyBack(o: RenameObjects): string {
  return `UPDATE ${rel(o)} SET ${q(o.from)} = ${q(o.to)};`;
}

/**
 * With a default, "the column the writer left NULL" cannot be told on INSERT: the column release N
 * leaves out takes its default, not NULL (and an explicit NULL is a value). So during the window
 * the new column's default is the column's own default computed by this function, which also
 * raises a transaction-local flag; the trigger, which runs right after the row's defaults are
 * computed, reads and lowers it. Raised: the writer left the new column out (release N, or a
 * release N+1 insert that left both out): it takes the old column's value. Not raised: the writer
 * set the new column (release N+1): the old one takes its value. Exact for every default, volatile
 * ones included (`clock_timestamp()`, `gen_random_uuid()`), since no value is compared.
 */
export function defaultFunction(o: RenameObjects, d: DefaultMarker): string {
  return `CREATE FUNCTION ${q(o.schema)}.${q(d.fn)}() RETURNS ${o.type} LANGUAGE plpgsql AS $dbship$
BEGIN
  PERFORM set_config('${d.setting}', 'on', true);
  RETURN ${d.sql};
END
$dbship$;`;
}

export function setMarkerDefault(o: RenameObjects, d: DefaultMarker): string {
  return `ALTER TABLE ${rel(o)} ALTER COLUMN ${q(o.to)} SET DEFAULT ${q(o.schema)}.${q(d.fn)}();`;
}

export function dropDefaultFunction(o: RenameObjects, d: DefaultMarker): string {
  return `DROP FUNCTION IF EXISTS ${q(o.schema)}.${q(d.fn)}();`;
}
