import { escapeIdentifier as q, escapeLiteral } from 'pg';
import type { SnapshotColumn, SnapshotForeignKey } from '../folder/snapshot.js';
import type { RetypeObjects } from './online-retype.js';

/** A foreign key of another (or the same) table that references the key being widened. */
export interface Referencing {
  readonly fk: SnapshotForeignKey;
  /** The referencing table's schema. */
  readonly schema: string;
  /** `"schema"."table"` of the referencing table. */
  readonly rel: string;
}

/** What the contract of a key retype and its down file name. */
export interface KeyParts {
  readonly o: RetypeObjects;
  /** The primary key constraint: `<table>_pkey`, or the name of a `primaryKey({ columns, name })`. */
  readonly pkey: string;
  /** The shadow's unique index, built by the index step; the key's index after the contract. */
  readonly index: string;
  readonly refs: readonly Referencing[];
}

/** `ADD CONSTRAINT ... FOREIGN KEY ... REFERENCES` as the snapshot records it, optionally NOT VALID. */
function addForeignKey(p: KeyParts, f: Referencing, notValid: boolean): string {
  const cols = (c: readonly string[]) => c.map(q).join(', ');
  const rule = (what: string, v: string | undefined) => (v ? ` ON ${what} ${v.toUpperCase()}` : '');
  return `ALTER TABLE ${f.rel} ADD CONSTRAINT ${q(f.fk.name)} FOREIGN KEY (${cols(f.fk.columnsFrom)}) REFERENCES ${p.o.rel}(${cols(f.fk.columnsTo)})${rule('DELETE', f.fk.onDelete)}${rule('UPDATE', f.fk.onUpdate)}${notValid ? ' NOT VALID' : ''};`;
}

/** `(SEQUENCE NAME ... INCREMENT BY ...)` of an identity column as the snapshot records it. */
function identityOptions(o: RetypeObjects, c: SnapshotColumn): string {
  const i = c.identity! as NonNullable<SnapshotColumn['identity']> & { name?: unknown; schema?: unknown };
  const seq = typeof i.name === 'string' ? `${q(typeof i.schema === 'string' && i.schema ? i.schema : o.schema)}.${q(i.name)}` : null;
  const parts = [
    seq ? `SEQUENCE NAME ${seq}` : '',
    i.increment ? `INCREMENT BY ${i.increment}` : '',
    i.minValue ? `MINVALUE ${i.minValue}` : '',
    i.maxValue ? `MAXVALUE ${i.maxValue}` : '',
    i.startWith ? `START WITH ${i.startWith}` : '',
    i.cache ? `CACHE ${i.cache}` : '',
    i.cycle ? 'CYCLE' : '',
  ].filter(Boolean);
  return `GENERATED ${i.type === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${parts.length > 0 ? ` (${parts.join(' ')})` : ''}`;
}

/**
 * Moves the key's sequence from column `from` to column `to` (both NOT NULL by now), keeping its
 * current value. An identity's sequence belongs to its column (DROP IDENTITY drops it): its value
 * is read first and set on the new identity's sequence. A serial's sequence is re-owned and
 * re-typed (`AS <type>`, which also moves a default MAXVALUE); the default moves with it.
 */
function moveSequence(p: KeyParts, from: string, to: string, toColumn: SnapshotColumn, toType: string): string[] {
  const { o } = p;
  const relText = escapeLiteral(o.rel);
  const seqOf = (c: string) => `pg_get_serial_sequence(${relText}, ${escapeLiteral(c)})`;
  if (o.column.identity) {
    return [`DO $dbship$
DECLARE
  value bigint;
  called boolean;
BEGIN
  -- The sequence goes with DROP IDENTITY: its position is read first, and given to the new one.
  EXECUTE format('SELECT last_value, is_called FROM %s', ${seqOf(from)}) INTO value, called;
  ALTER TABLE ${o.rel} ALTER COLUMN ${q(from)} DROP IDENTITY;
  ALTER TABLE ${o.rel} ALTER COLUMN ${q(to)} ADD ${identityOptions(o, toColumn)};
  PERFORM setval(${seqOf(to)}, value, called);
END
$dbship$;`];
  }
  if (o.column.type !== o.fromType) {
    const owner = escapeLiteral(`${o.rel}.${q(to)}`);
    return [`DO $dbship$
DECLARE
  seq text := ${seqOf(from)};
BEGIN
  -- The same sequence, so its position is kept: re-typed, owned by the new column, its default.
  EXECUTE format('ALTER SEQUENCE %s AS ${toType} OWNED BY %s', seq, ${owner});
  ALTER TABLE ${o.rel} ALTER COLUMN ${q(from)} DROP DEFAULT;
  EXECUTE format('ALTER TABLE ${o.rel.replace(/'/g, "''")} ALTER COLUMN ${q(to).replace(/'/g, "''")} SET DEFAULT nextval(%L::regclass)', seq);
END
$dbship$;`];
  }
  return toColumn.default !== undefined ? [`ALTER TABLE ${o.rel} ALTER COLUMN ${q(to)} SET DEFAULT ${String(toColumn.default)};`] : [];
}

/**
 * The contract of a key retype: one transaction of catalog changes, no scan (the NOT NULL check was
 * validated by the index step, so SET NOT NULL is proved by it).
 */
export function keySequenceUp(p: KeyParts, gate: string): string[] {
  const { o } = p;
  const [rel, c, s] = [o.rel, q(o.r.column), q(o.shadow)];
  const allow = (rule: string) => `-- dbship:allow ${rule} contract of ${o.what}: runs ${gate}\n`;
  return [
    ...o.dropTrigger,
    ...p.refs.map((f) => `ALTER TABLE ${f.rel} DROP CONSTRAINT ${q(f.fk.name)};`),
    `ALTER TABLE ${rel} DROP CONSTRAINT ${q(p.pkey)};`,
    `${allow('rename-column')}ALTER TABLE ${rel} RENAME COLUMN ${c} TO ${q(o.old)};`,
    `${allow('rename-column')}ALTER TABLE ${rel} RENAME COLUMN ${s} TO ${c};`,
    `${allow('set-not-null')}-- (proved by the check "${o.check}", validated by the index step: no scan)\nALTER TABLE ${rel} ALTER COLUMN ${c} SET NOT NULL;`,
    `ALTER TABLE ${rel} DROP CONSTRAINT ${q(o.check)};`,
    ...moveSequence(p, o.old, o.r.column, o.target, o.toType),
    `ALTER TABLE ${rel} ADD CONSTRAINT ${q(p.pkey)} PRIMARY KEY USING INDEX ${q(p.index)};`,
    ...p.refs.map((f) => addForeignKey(p, f, true)),
    `${allow('drop-column')}ALTER TABLE ${rel} DROP COLUMN ${q(o.old)};`,
  ];
}

/** The contract's down file: back to the state after the index step (not online: an UPDATE, key and index builds). */
export function keySequenceDown(p: KeyParts): string[] {
  const { o } = p;
  const [rel, c, s] = [o.rel, q(o.r.column), q(o.shadow)];
  const allow = (rule: string, why: string) => `-- dbship:allow ${rule} undoing the contract of ${o.what}: ${why}\n`;
  const locked = 'under the lock of ADD COLUMN';
  return [
    ...p.refs.map((f) => `ALTER TABLE ${f.rel} DROP CONSTRAINT IF EXISTS ${q(f.fk.name)};`),
    `ALTER TABLE ${rel} DROP CONSTRAINT ${q(p.pkey)};`,
    `${allow('rename-column', 'the column goes back to being the shadow')}ALTER TABLE ${rel} RENAME COLUMN ${c} TO ${s};`,
    `ALTER TABLE ${rel} ADD COLUMN ${c} ${o.fromType};`,
    `${allow('mixed-ddl-and-data', `one UPDATE ${locked}`)}UPDATE ${rel} SET ${c} = ${s}::${o.fromType};`,
    `${allow('set-not-null', `the key column is NOT NULL (a scan ${locked})`)}ALTER TABLE ${rel} ALTER COLUMN ${c} SET NOT NULL;`,
    ...moveSequence({ ...p, o: { ...o, column: o.target, fromType: o.toType } }, o.shadow, o.r.column, o.column, o.fromType),
    `ALTER TABLE ${rel} ALTER COLUMN ${s} DROP NOT NULL;`,
    `${allow('add-unique-constraint', `the key's index is built ${locked}`)}ALTER TABLE ${rel} ADD CONSTRAINT ${q(p.pkey)} PRIMARY KEY (${c});`,
    `${allow('create-index-without-concurrently', `the shadow's unique index, built ${locked}`)}CREATE UNIQUE INDEX IF NOT EXISTS ${q(p.index)} ON ${rel} USING btree (${s});`,
    ...o.addCheck,
    `${allow('validate-in-same-transaction', `valid again, as the index step left it, so that the contract proves NOT NULL by it without a scan (a scan ${locked})`)}ALTER TABLE ${rel} VALIDATE CONSTRAINT ${q(o.check)};`,
    ...o.trigger,
    ...p.refs.map((f) => `${allow('constraint-without-not-valid', `validated ${locked}`)}${addForeignKey(p, f, false)}`),
  ];
}
