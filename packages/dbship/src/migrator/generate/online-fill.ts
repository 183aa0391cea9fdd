import { randomUUID } from 'node:crypto';
import { escapeIdentifier as q } from 'pg';
import { DbshipError } from '../../errors.js';
import { BACKFILL, CONTRACT, EXPAND, GENERATED_THROTTLE } from '../folder/online.js';
import { migrationTag } from '../folder/layout.js';
import type { Snapshot } from '../folder/snapshot.js';
import { identifierBytes, MAX_IDENTIFIER_BYTES } from '../sql/identifier.js';
import { loadParser, parseSql } from '../sql/split.js';
import { primaryKey, refuse, sameSchema } from './online-common.js';
import { syncName } from './online-sql.js';
import type { PlannedMigration } from './plan.js';

/** `generate --fill [schema.]table.column=<SQL expression>`: NOT NULL on a column that has NULLs. */
export interface FillRequest {
  readonly table: string;
  readonly column: string;
  /** A SQL expression without column references (a literal, `now()`, ...). */
  readonly fill: string;
}

const PATTERN = /^(?:([A-Za-z_][A-Za-z0-9_$]*)\.)?([A-Za-z_][A-Za-z0-9_$]*)\.([A-Za-z_][A-Za-z0-9_$]*)=(.+)$/s;

/**
 * Parses `users.name='unknown'`. The expression is parsed by the PostgreSQL parser and must be one
 * expression that names no column and runs no subquery: it is written into a trigger and an
 * UPDATE, and is the value every NULL of the column gets.
 */
export async function parseFill(text: string): Promise<FillRequest> {
  const m = PATTERN.exec(text.trim());
  const usage = (why: string) => new DbshipError('USAGE', `invalid --fill "${text}"`, { why, fix: "write it as [schema.]table.column=<SQL expression>, e.g. --fill \"users.name='unknown'\"." });
  if (!m) throw usage('a fill names the table, the column and the value its NULLs get.');
  const fill = m[4]!.trim();
  await loadParser();
  let tree: unknown;
  try {
    tree = parseSql(`SELECT (${fill})`);
  } catch (err) {
    throw usage(`the value is not one SQL expression: ${(err as Error).message}.`);
  }
  const stmts = (tree as { stmts?: unknown[] }).stmts ?? [];
  const json = JSON.stringify(tree);
  const select = (stmts[0] as { stmt?: { SelectStmt?: Record<string, unknown[] | undefined> } } | undefined)?.stmt?.SelectStmt;
  const clauses = Object.keys(select ?? {}).filter((k) => Array.isArray(select?.[k]) && k !== 'targetList');
  if (stmts.length !== 1 || !select || select.targetList?.length !== 1 || clauses.length > 0) throw usage('the value is not one SQL expression.');
  if (json.includes('"ColumnRef"') || json.includes('"SubLink"')) throw usage('the value may not name a column or run a subquery: it is the same for every row (a literal, or a function such as now()).');
  return { table: `${m[1] ?? 'public'}.${m[2]}`, column: m[3]!, fill };
}

/** `<table>_<column>_not_null`, shortened with the trigger's hash when it would pass 63 bytes. */
function checkName(table: string, column: string): string {
  const plain = `${table}_${column}_not_null`;
  return identifierBytes(plain) <= MAX_IDENTIFIER_BYTES ? plain : `${syncName(table, column, 'not_null')}_nn`;
}

/**
 * Plans NOT NULL on a column that may hold NULLs as three migrations: `<name>_expand` (a trigger
 * that gives a NULL written by either release the fill value, and a `CHECK (c IS NOT NULL) NOT
 * VALID` that holds for every new write), `<name>_backfill` (the fill for existing NULLs, in
 * primary-key batches) and `<name>_contract` (validates the check, which lets `SET NOT NULL` skip
 * its scan, then drops the check and the trigger; deploy runs it only once no release older than
 * the expand is alive, since such a release may still write NULL). The models must differ from
 * the newest snapshot by exactly this NOT NULL.
 */
export function planOnlineFill(name: string, prev: Snapshot, cur: Snapshot, f: FillRequest, first: number): PlannedMigration[] {
  const before = prev.tables[f.table];
  const column = before?.columns[f.column];
  const after = cur.tables[f.table]?.columns[f.column];
  if (!before || !column || !after || column.notNull || !after.notNull) {
    refuse(`--fill ${f.table}.${f.column}: the models do not make this column NOT NULL`, `the newest snapshot must have ${f.table}.${f.column} nullable and the models NOT NULL.`, 'add .notNull() to the column in the models, then run generate with the same --fill.');
  }
  const tightened = structuredClone(prev);
  tightened.tables[f.table]!.columns[f.column]!.notNull = true;
  if (!sameSchema(tightened, cur)) {
    refuse(`the models change more than NOT NULL on ${f.table}.${f.column}`, 'an online change is generated on its own, so that its three steps are exactly that change and nothing else waits for its contract.', 'make the other model changes in a separate `generate` run, before or after.');
  }
  const key = primaryKey(before, f.table);
  const schema = before.schema || 'public';
  const rel = `${q(schema)}.${q(before.name)}`;
  const sync = syncName(before.name, f.column, 'not_null');
  const fn = `${q(schema)}.${q(sync)}`;
  const check = checkName(before.name, f.column);
  const c = q(f.column);
  const expandTag = migrationTag(first, `${name}_expand`);
  const what = `not null ${f.table}.${f.column} fill ${f.fill}`;
  const trigger = [
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $dbship$\nBEGIN\n  IF NEW.${c} IS NULL THEN\n    NEW.${c} := ${f.fill};\n  END IF;\n  RETURN NEW;\nEND\n$dbship$;`,
    `CREATE TRIGGER ${q(sync)} BEFORE INSERT OR UPDATE ON ${rel} FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
  ];
  const dropTrigger = [`DROP TRIGGER IF EXISTS ${q(sync)} ON ${rel};`, `DROP FUNCTION IF EXISTS ${fn}();`];
  const addCheck = `ALTER TABLE ${rel} ADD CONSTRAINT ${q(check)} CHECK (${c} IS NOT NULL) NOT VALID;`;
  const withCheck = structuredClone(prev);
  const table = withCheck.tables[f.table]!;
  table.checkConstraints = { ...(table.checkConstraints ?? {}), [check]: { name: check, value: `${c} IS NOT NULL` } };
  const expandSnap = { ...withCheck, id: randomUUID(), prevId: prev.id };
  const backfillSnap = { ...structuredClone(withCheck), id: randomUUID(), prevId: expandSnap.id };
  return [
    {
      name: `${name}_expand`,
      header: [`-- ${EXPAND} ${what}`, `-- Online NOT NULL, step 1 of 3 (expand): a trigger gives a NULL written by either release the fill value, and a`, '-- NOT VALID check holds for every new write (it scans nothing now).'],
      up: [...trigger, addCheck],
      downHeader: ['-- Instant rollback before the contract (the filled values stay).'],
      down: [`ALTER TABLE ${rel} DROP CONSTRAINT IF EXISTS ${q(check)};`, ...dropTrigger],
      transactional: true,
      snapshot: expandSnap,
    },
    {
      name: `${name}_backfill`,
      header: [`-- ${BACKFILL} table=${schema}.${before.name} key=${key} ${GENERATED_THROTTLE}`, `-- Online NOT NULL, step 2 of 3 (backfill): gives the existing NULLs of "${f.column}" the fill value, in batches of`, '-- primary keys ($1 exclusive, NULL at first; $2 inclusive), one short transaction each; resumable.'],
      up: [`UPDATE ${rel} SET ${c} = ${f.fill}\n WHERE (${q(key)} > $1 OR $1 IS NULL) AND ${q(key)} <= $2 AND ${c} IS NULL;`],
      downHeader: ['-- Nothing to undo: which rows were NULL before is not recorded; the filled values stay.', '-- (One statement that changes nothing: dbship refuses a down file without any.)'],
      down: ["SELECT 'nothing to undo' AS backfill;"],
      transactional: true,
      snapshot: backfillSnap,
    },
    {
      name: `${name}_contract`,
      header: [`-- ${CONTRACT} expand=${expandTag}`, '-- Online NOT NULL, step 3 of 3 (contract): VALIDATE scans under SHARE UPDATE EXCLUSIVE (reads and writes go on),', '-- then SET NOT NULL is proved by the valid check without a scan. Runs only once no release older than the expand is seen.'],
      up: [`ALTER TABLE ${rel} VALIDATE CONSTRAINT ${q(check)};`, `ALTER TABLE ${rel} ALTER COLUMN ${c} SET NOT NULL;`, `ALTER TABLE ${rel} DROP CONSTRAINT ${q(check)};`, ...dropTrigger],
      downHeader: ['-- Back to the state after the expand: the column nullable, the NOT VALID check and the fill trigger again.'],
      down: [`ALTER TABLE ${rel} ALTER COLUMN ${c} DROP NOT NULL;`, addCheck, ...trigger],
      transactional: true,
      snapshot: { ...cur, prevId: backfillSnap.id },
    },
  ];
}
