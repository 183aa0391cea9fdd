import { DbshipError } from '../../errors.js';
import { createHash } from 'node:crypto';
import { quoteIdent } from '../../db/pool.js';
import type { Snapshot } from '../folder/snapshot.js';
import { loadParser, parseSql } from '../sql/split.js';

/** An index, constraint or column of a snapshot table: the table key and the member name. */
export interface TableMember {
  /** Snapshot table key, `schema.table`. */
  readonly table: string;
  readonly name: string;
}

/**
 * drizzle-kit's up statements rewritten into the forms that do not block production traffic,
 * split by the kind of migration they must run in.
 */
export interface SafeFormPlan {
  /** Statements of the ordinary (transactional) migration; foreign keys and checks gain `NOT VALID`. */
  readonly transactional: string[];
  /** `DROP INDEX CONCURRENTLY IF EXISTS`: no transaction, before the transactional part. */
  readonly dropIndexes: string[];
  /** `CREATE INDEX CONCURRENTLY IF NOT EXISTS`: no transaction, after everything else. */
  readonly createIndexes: string[];
  /** `ALTER TABLE ... VALIDATE CONSTRAINT`, in a transaction of its own after the NOT VALID one commits. */
  readonly validate: string[];
  /** `ALTER TABLE ... ADD CONSTRAINT c UNIQUE USING INDEX c`: after the unique index is built. */
  readonly attach: string[];
  /** Down SQL of the concurrent builds the snapshots cannot express (unique indexes before attaching). */
  readonly createIndexesDown: string[];
  /** Indexes moved to `dropIndexes` / `createIndexes` (to build the intermediate snapshots). */
  readonly dropped: TableMember[];
  readonly created: TableMember[];
  /** Unique constraints that exist only once `attach` ran (snapshot key of the table, constraint name). */
  readonly attached: TableMember[];
  /** Columns made NOT NULL by the validate migration (snapshot key of the table, column name). */
  readonly notNulled: TableMember[];
  /** Down SQL the snapshots cannot express: the temporary NOT NULL checks, dropped / added back. */
  readonly transactionalDown: string[];
  readonly validateDown: string[];
}

interface RangeVar {
  schemaname?: string;
  relname: string;
}

type Stmt = Record<string, Record<string, unknown>>;

const CREATE_INDEX = /^CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(IF\s+NOT\s+EXISTS\s+)?/i;
const DROP_INDEX = /^DROP\s+INDEX\s+(CONCURRENTLY\s+)?(IF\s+EXISTS\s+)?/i;

/** `schema.table` as drizzle-kit keys its snapshot tables. */
export function tableKey(schema: string | undefined, name: string): string {
  return `${schema || 'public'}.${name}`;
}

function parseOne(sql: string): Stmt | undefined {
  let tree: { stmts?: Array<{ stmt: Stmt }> };
  try {
    tree = parseSql(sql) as typeof tree;
  } catch (err) {
    throw new DbshipError('GENERATE_FAILED', `drizzle-kit wrote SQL that PostgreSQL cannot parse: ${err instanceof Error ? err.message : String(err)}`, {
      details: [`statement: ${sql.length > 300 ? `${sql.slice(0, 300)}...` : sql}`],
      why: 'drizzle-kit turns some model values into SQL without escaping them (e.g. a quote inside a json default or an array element); such a migration would fail on deploy. Nothing was written.',
      fix: 'change the model value that the statement shows (e.g. avoid the quote, or give the default as sql`...` written by hand), or write this change with --custom.',
      cause: err,
    });
  }
  return tree.stmts?.length === 1 ? tree.stmts[0]!.stmt : undefined;
}

/** `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS ...`: safe on a live table and idempotent on re-run. */
export function concurrentCreateIndex(sql: string): string {
  return sql.replace(CREATE_INDEX, (_m, unique: string | undefined) => `CREATE ${unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS `);
}

/** `DROP INDEX CONCURRENTLY IF EXISTS ...`. */
export function concurrentDropIndex(sql: string): string {
  return sql.replace(DROP_INDEX, 'DROP INDEX CONCURRENTLY IF EXISTS ');
}

/** A plain `CREATE INDEX` (CONCURRENTLY cannot run in a transaction and gains nothing on a new table). */
function plainCreateIndex(sql: string): string {
  return sql.replace(CREATE_INDEX, (_m, unique: string | undefined, _c, ine: string | undefined) => `CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${ine ?? ''}`);
}

/**
 * Rewrites drizzle-kit's up statements into their safe forms. Objects created by the same
 * migration are exempt: nothing else can be using a table that does not exist yet.
 * - an index created or dropped on an existing table moves to a no-transaction migration and
 *   runs CONCURRENTLY (a plain CREATE INDEX blocks every write to the table while it builds):
 *   drops before the transactional part, builds after it, so that the down files, run in the
 *   reverse order, rebuild an index only once its columns are back;
 * - a foreign key or CHECK constraint added to an existing table is added `NOT VALID` (no scan
 *   under the lock) and validated in a later transaction (the scan then only takes SHARE UPDATE
 *   EXCLUSIVE).
 * - SET NOT NULL on an existing table becomes a `CHECK (c IS NOT NULL) NOT VALID`, validated in
 *   the next migration, which then sets NOT NULL (proved by the check, no scan) and drops it;
 * - a UNIQUE constraint added to an existing table becomes a unique index built CONCURRENTLY,
 *   attached afterwards with `ADD CONSTRAINT ... UNIQUE USING INDEX` (a brief lock, no build).
 * Statements of any other kind pass through unchanged (the lint judges them).
 */
export async function applySafeForms(statements: readonly string[], prev: Snapshot): Promise<SafeFormPlan> {
  await loadParser();
  const plan: SafeFormPlan = {
    transactional: [], dropIndexes: [], createIndexes: [], validate: [], attach: [],
    createIndexesDown: [], transactionalDown: [], validateDown: [], dropped: [], created: [], attached: [], notNulled: [],
  };
  const newTables = new Set<string>();
  for (const sql of statements) {
    const stmt = parseOne(sql);
    const create = stmt?.CreateStmt?.relation as RangeVar | undefined;
    if (create) newTables.add(tableKey(create.schemaname, create.relname));
    const rewritten = stmt && (rewriteIndex(stmt, sql, newTables, plan, prev) || rewriteConstraint(stmt, sql, newTables, plan) || rewriteSetNotNull(stmt, newTables, plan));
    if (!rewritten) {
      plan.transactional.push(sql);
    }
  }
  return plan;
}

function rewriteIndex(stmt: Stmt, sql: string, newTables: Set<string>, plan: SafeFormPlan, prev: Snapshot): boolean {
  const index = stmt.IndexStmt;
  if (index) {
    const rel = index.relation as RangeVar;
    const key = tableKey(rel.schemaname, rel.relname);
    if (newTables.has(key)) {
      plan.transactional.push(index.concurrent ? plainCreateIndex(sql) : sql);
    } else {
      plan.createIndexes.push(concurrentCreateIndex(sql));
      plan.created.push({ table: key, name: String(index.idxname) });
    }
    return true;
  }
  const drop = stmt.DropStmt;
  if (drop?.removeType !== 'OBJECT_INDEX') return false;
  const moved = dropNames(drop).map((names) => indexOwner(prev, names));
  // An index the previous schema does not know (hand-made) has no snapshot entry to restore.
  if (moved.some((m) => m === undefined)) return false;
  plan.dropIndexes.push(concurrentDropIndex(sql));
  plan.dropped.push(...(moved as TableMember[]));
  return true;
}

/** The table that holds index `[schema.]name` in the snapshot. */
function indexOwner(prev: Snapshot, names: string[]): TableMember | undefined {
  const name = names.at(-1)!;
  const schema = names.length > 1 ? names[0] : 'public';
  for (const [key, table] of Object.entries(prev.tables)) {
    if ((table.schema || 'public') !== schema) continue;
    if (table.indexes?.[name]) return { table: key, name };
  }
  return undefined;
}

function dropNames(drop: Record<string, unknown>): string[][] {
  const objects = (drop.objects ?? []) as Array<{ List?: { items: Array<{ String: { sval: string } }> } }>;
  return objects.map((o) => (o.List?.items ?? []).map((i) => i.String.sval));
}

/** Constraints PostgreSQL can add NOT VALID and validate later. */
const VALIDATABLE = new Set(['CONSTR_FOREIGN', 'CONSTR_CHECK']);

type ConstraintNode = Record<string, unknown> & { contype?: string; conname?: string };

/** The one constraint an `ALTER TABLE ... ADD CONSTRAINT` on an existing table adds, with its table. */
function addedConstraint(stmt: Stmt, sql: string, newTables: Set<string>): { rel: RangeVar; target: string; con: ConstraintNode } | undefined {
  const alter = stmt.AlterTableStmt;
  const cmds = (alter?.cmds ?? []) as Array<{ AlterTableCmd?: { subtype: string; def?: { Constraint?: ConstraintNode } } }>;
  const cmd = cmds.length === 1 ? cmds[0]!.AlterTableCmd : undefined;
  const con = cmd?.subtype === 'AT_AddConstraint' ? cmd.def?.Constraint : undefined;
  if (!alter || !con?.conname || !/;\s*$/.test(sql)) return undefined;
  const rel = alter.relation as RangeVar;
  if (newTables.has(tableKey(rel.schemaname, rel.relname))) return undefined;
  const target = rel.schemaname ? `${quoteIdent(rel.schemaname)}.${quoteIdent(rel.relname)}` : quoteIdent(rel.relname);
  return { rel, target, con };
}

function rewriteConstraint(stmt: Stmt, sql: string, newTables: Set<string>, plan: SafeFormPlan): boolean {
  const added = addedConstraint(stmt, sql, newTables);
  if (!added) return false;
  const { rel, target, con } = added;
  const name = quoteIdent(con.conname!);
  if (VALIDATABLE.has(String(con.contype)) && !con.skip_validation) {
    plan.transactional.push(sql.replace(/;\s*$/, ' NOT VALID;'));
    plan.validate.push(`ALTER TABLE ${target} VALIDATE CONSTRAINT ${name};`);
    return true;
  }
  const keys = (con.keys ?? []) as Array<{ String?: { sval: string } }>;
  if (con.contype !== 'CONSTR_UNIQUE' || con.indexname || con.options || keys.length === 0 || keys.some((k) => !k.String)) return false;
  const columns = keys.map((k) => quoteIdent(k.String!.sval)).join(', ');
  const index = rel.schemaname ? `${quoteIdent(rel.schemaname)}.${name}` : name;
  plan.createIndexes.push(`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${target} (${columns})${con.nulls_not_distinct ? ' NULLS NOT DISTINCT' : ''};`);
  plan.createIndexesDown.push(`DROP INDEX CONCURRENTLY IF EXISTS ${index};`);
  plan.attach.push(`ALTER TABLE ${target} ADD CONSTRAINT ${name} UNIQUE USING INDEX ${name};`);
  plan.attached.push({ table: tableKey(rel.schemaname, rel.relname), name: con.conname! });
  return true;
}

/** PostgreSQL truncates identifiers to 63 bytes; a longer generated name gets a short hash instead. */
export function constraintName(table: string, column: string, suffix: string): string {
  const name = `${table}_${column}_${suffix}`;
  if (Buffer.byteLength(name) <= 63) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${Buffer.from(name).subarray(0, 63 - suffix.length - 10).toString('utf8').replace(/\uFFFD+$/, '')}_${hash}_${suffix}`;
}

function rewriteSetNotNull(stmt: Stmt, newTables: Set<string>, plan: SafeFormPlan): boolean {
  const alter = stmt.AlterTableStmt;
  const cmds = (alter?.cmds ?? []) as Array<{ AlterTableCmd?: { subtype: string; name?: string } }>;
  const column = cmds.length === 1 && cmds[0]!.AlterTableCmd?.subtype === 'AT_SetNotNull' ? cmds[0]!.AlterTableCmd.name : undefined;
  if (!alter || !column) return false;
  const rel = alter.relation as RangeVar;
  if (newTables.has(tableKey(rel.schemaname, rel.relname))) return false;
  const target = rel.schemaname ? `${quoteIdent(rel.schemaname)}.${quoteIdent(rel.relname)}` : quoteIdent(rel.relname);
  const check = quoteIdent(constraintName(rel.relname, column, 'not_null'));
  const addCheck = `ALTER TABLE ${target} ADD CONSTRAINT ${check} CHECK (${quoteIdent(column)} IS NOT NULL) NOT VALID;`;
  plan.transactional.push(addCheck);
  plan.validateDown.push(addCheck);
  plan.transactionalDown.push(`ALTER TABLE ${target} DROP CONSTRAINT IF EXISTS ${check};`);
  plan.validate.push(
    `ALTER TABLE ${target} VALIDATE CONSTRAINT ${check};`,
    `ALTER TABLE ${target} ALTER COLUMN ${quoteIdent(column)} SET NOT NULL;`,
    `ALTER TABLE ${target} DROP CONSTRAINT ${check};`,
  );
  plan.notNulled.push({ table: tableKey(rel.schemaname, rel.relname), name: column });
  return true;
}
