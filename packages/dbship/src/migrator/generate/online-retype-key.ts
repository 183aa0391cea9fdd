import { randomUUID } from 'node:crypto';
import { escapeIdentifier as q } from 'pg';
import { NO_TRANSACTION } from '../folder/files.js';
import { CONTRACT } from '../folder/online.js';
import type { Snapshot, SnapshotForeignKey } from '../folder/snapshot.js';
import { identifierBytes, MAX_IDENTIFIER_BYTES } from '../sql/identifier.js';
import { refuse } from './online-common.js';
import { keySequenceDown, keySequenceUp, type KeyParts, type Referencing } from './online-key-sql.js';
import { expandAndBackfill, type RetypeObjects } from './online-retype.js';
import type { PlannedMigration } from './plan.js';
import { ONE_BUILD_WORKER, ONE_BUILD_WORKER_NOTE } from './online-index.js';

/**
 * Plans the widening of a single-column primary key (`integer` -> `bigint`, `serial` ->
 * `bigserial`) as five migrations, none of which rewrites the table under ACCESS EXCLUSIVE:
 * expand and backfill as for a plain column (the shadow, its trigger, a NOT VALID not-null check);
 * `<name>_index` builds the shadow's unique index CONCURRENTLY (no transaction); `<name>_contract`
 * swaps the key in one short transaction (drops the referencing foreign keys and the key, moves
 * the identity or sequence with its current value, renames, attaches the index as the key, re-adds
 * the foreign keys NOT VALID, drops the old column); `<name>_validate` validates those foreign keys
 * (a scan under SHARE UPDATE EXCLUSIVE). Contract and validate wait for the previous release.
 * The referencing columns keep their type: a foreign key holds between integer and bigint.
 * `pkey` is the key constraint's name (online-common.ts `keyConstraint`), which the contract keeps.
 */
export function planKeyRetype(name: string, prev: Snapshot, cur: Snapshot, o: RetypeObjects, pkey: string): PlannedMigration[] {
  const index = indexName(o.table, o.shadow, o.sync);
  if (identifierBytes(pkey) > MAX_IDENTIFIER_BYTES) {
    const why = pkey === `${o.table}_pkey`
      ? 'the contract re-creates the primary key under the name PostgreSQL gave it, <table>_pkey, which is truncated for a table name this long.'
      : `the contract re-creates the primary key under the models' name for it, ${pkey}, which PostgreSQL truncated to 63 bytes.`;
    refuse(`the online type change of ${o.r.table}.${o.r.column} is not supported yet: the key's constraint name would pass 63 bytes`, why, 'change the type by hand with expand/contract (docs/workflow.md).');
  }
  const refs = referencing(prev, o);
  const parts: KeyParts = { o, pkey, index, refs };
  const [expand, backfill] = expandAndBackfill(name, prev, o, 5);
  const indexed = structuredClone(backfill.snapshot);
  indexed.tables[o.r.table]!.indexes[index] = {
    name: index, columns: [{ expression: o.shadow, isExpression: false, asc: true, nulls: 'last' }], isUnique: true, concurrently: true, method: 'btree', with: {},
  };
  const indexSnap = { ...indexed, id: randomUUID(), prevId: backfill.snapshot.id };
  const contractSnap = { ...structuredClone(cur), id: randomUUID(), prevId: indexSnap.id };
  const gate = `once no release older than ${o.expandTag} is seen`;
  const children = [...new Set(refs.map((f) => `${f.schema}.${f.fk.tableFrom}.${f.fk.columnsFrom[0]}`))];
  const note = children.length === 0 ? [] : [`${children.join(', ')} (referencing the key) keep${children.length > 1 ? '' : 's'} type ${o.fromType}: a foreign key holds between ${o.fromType} and ${o.toType}; widen later with generate --retype ${children.map((x) => x.replace(/^public\./, '')).join(', then --retype ')}`];
  const validate = refs.map((f) => `ALTER TABLE ${f.rel} VALIDATE CONSTRAINT ${q(f.fk.name)};`);
  return [
    expand,
    backfill,
    {
      name: `${name}_index`,
      header: [`-- ${NO_TRANSACTION}`, `-- Online type change, step 3 of 5 (index): the unique index the key will use, built on "${o.shadow}" without blocking writes.`, '-- An interrupted build leaves it INVALID; the next run drops that leftover and builds it again.', ONE_BUILD_WORKER_NOTE,
        `-- Then the NOT NULL check of "${o.shadow}" is validated (a scan that lets reads and writes go on; repeatable), so that the`, '-- contract proves NOT NULL from it and changes the catalog only.'],
      up: [ONE_BUILD_WORKER, `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${q(index)} ON ${o.rel} USING btree (${q(o.shadow)});`, `-- dbship:allow no-transaction-multiple-statements both statements are safe to repeat: the build skips an index that exists (an INVALID leftover is dropped first), and validating a valid check does nothing\nALTER TABLE ${o.rel} VALIDATE CONSTRAINT ${q(o.check)};`],
      downHeader: [`-- ${NO_TRANSACTION}`],
      down: [`DROP INDEX CONCURRENTLY IF EXISTS ${q(o.schema)}.${q(index)};`],
      transactional: false,
      snapshot: indexSnap,
    },
    {
      name: `${name}_contract`,
      header: [
        `-- ${CONTRACT} expand=${o.expandTag}`,
        `-- Online type change, step 4 of 5 (contract): "${o.shadow}" becomes the primary key "${o.r.column}" in one short transaction:`,
        '-- the referencing foreign keys and the key are dropped, the identity or sequence moves with its current value, the',
        '-- index built by step 3 becomes the key (no build), the foreign keys come back NOT VALID (step 5 validates them).',
        `-- Runs only ${gate}.`,
        ...note.map((n) => `-- Note: ${n}.`),
      ],
      up: keySequenceUp(parts, gate),
      downHeader: [`-- Back to the state after ${name}_index. The UPDATE rewrites the whole table and the key is built under the lock of`, '-- ADD COLUMN: a rollback after the contract is not online, and fails if a value no longer fits the old type.'],
      down: keySequenceDown(parts),
      transactional: true,
      snapshot: contractSnap,
      notes: note,
    },
    {
      name: `${name}_validate`,
      header: [
        `-- ${CONTRACT} expand=${o.expandTag}`,
        '-- Online type change, step 5 of 5 (validate): checks the rows of the foreign keys the contract re-added NOT VALID;',
        '-- a scan holding SHARE UPDATE EXCLUSIVE, so reads and writes go on. Waits with the contract.',
      ],
      up: validate.length > 0 ? validate : ["SELECT 'no foreign key references the key' AS validate;"],
      downHeader: ['-- Nothing to undo: a validated foreign key is the same constraint (the contract\'s down file drops it).', '-- (One statement that changes nothing: dbship refuses a down file without any.)'],
      down: ["SELECT 'nothing to undo' AS validate;"],
      transactional: true,
      snapshot: { ...cur, prevId: contractSnap.id },
    },
  ];
}

/** `<table>_<shadow>_key`, or a hashed name when that would pass 63 bytes. */
function indexName(table: string, shadow: string, sync: string): string {
  const plain = `${table}_${shadow}_key`;
  return identifierBytes(plain) <= MAX_IDENTIFIER_BYTES ? plain : `${sync}_key`;
}

/** The foreign keys of every table that reference the key; refuses one that spans more columns. */
function referencing(prev: Snapshot, o: RetypeObjects): Referencing[] {
  const out: Referencing[] = [];
  for (const t of Object.values(prev.tables)) {
    const schema = t.schema || 'public';
    for (const fk of Object.values(t.foreignKeys) as SnapshotForeignKey[]) {
      if (fk.tableTo !== o.table || (fk.schemaTo || 'public') !== o.schema || !fk.columnsTo.includes(o.r.column)) continue;
      if (fk.columnsTo.length !== 1) {
        refuse(`the online type change of ${o.r.table}.${o.r.column} is not supported yet: the foreign key ${fk.name} references it with other columns`, 'the contract re-creates single-column foreign keys to the key; a composite one needs its own unique constraint rebuilt.', 'change the type by hand with expand/contract (docs/workflow.md).');
      }
      out.push({ fk, schema, rel: `${q(schema)}.${q(fk.tableFrom)}` });
    }
  }
  return out.sort((a, b) => a.fk.name.localeCompare(b.fk.name));
}
