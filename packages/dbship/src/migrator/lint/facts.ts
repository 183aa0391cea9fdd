import type { AlterTableStmt, Constraint, CreateStmt } from 'libpg-query';
import { as, columnConstraints, makeTableRef, names, tableRef, type TableRef } from './ast.js';
import { typeFromTypeName, type NormalizedType } from './column-types.js';
import type { LintStatement } from './types.js';

/** A constraint added in the file. */
export interface AddedConstraint {
  readonly table: string;
  readonly name: string | undefined;
  readonly at: number;
  readonly notValid: boolean;
  /** The column of a `CHECK (column IS NOT NULL)`, else undefined. */
  readonly notNullOf: string | undefined;
}

/**
 * What a migration file creates and changes, each with the index of the statement that did it,
 * so that a rule can ask "was this table created BEFORE the statement I am checking?".
 */
export interface MigrationFacts {
  /** Table key -> statement index that created it. */
  readonly tables: Map<string, number>;
  /** Table key -> the first statement that put rows into it (CREATE TABLE AS, SELECT INTO, INSERT, COPY, MERGE). */
  readonly filled: Map<string, number>;
  /** `schema.index` -> the index's table and the statement index. */
  readonly indexes: Map<string, { table: TableRef; at: number }>;
  /** `table key.column` -> statement index that created it (CREATE TABLE or ADD COLUMN). */
  readonly columns: Map<string, number>;
  readonly constraints: AddedConstraint[];
  readonly validated: { table: string; name: string; at: number }[];
  readonly typeChanges: { table: string; column: string; type: NormalizedType; at: number }[];
}

/** Collects the facts of a parsed file, in statement order. */
export function collectFacts(statements: readonly LintStatement[]): MigrationFacts {
  const facts: MigrationFacts = { tables: new Map(), filled: new Map(), indexes: new Map(), columns: new Map(), constraints: [], validated: [], typeChanges: [] };
  for (const stmt of statements) {
    const at = stmt.index;
    const create = as(stmt.node, 'CreateStmt');
    if (create) addCreatedTable(facts, create, at);
    addFilledTable(facts, stmt, at);
    const index = as(stmt.node, 'IndexStmt');
    const indexTable = tableRef(index?.relation);
    if (index?.idxname && indexTable) facts.indexes.set(`${indexTable.schema}.${index.idxname}`, { table: indexTable, at });
    const rename = as(stmt.node, 'RenameStmt');
    const renamed = tableRef(rename?.relation);
    if (rename?.renameType === 'OBJECT_TABLE' && renamed && rename.newname && facts.tables.has(renamed.key)) {
      facts.tables.set(makeTableRef(renamed.schema, rename.newname).key, at);
    }
    const alter = as(stmt.node, 'AlterTableStmt');
    if (alter?.objtype === 'OBJECT_TABLE') addAlterFacts(facts, alter, at);
  }
  return facts;
}

/** CREATE TABLE AS / SELECT INTO create a table full of rows; INSERT, COPY and MERGE fill one. */
function addFilledTable(facts: MigrationFacts, stmt: LintStatement, at: number): void {
  const createAs = as(stmt.node, 'CreateTableAsStmt');
  const into = createAs?.into ?? as(stmt.node, 'SelectStmt')?.intoClause;
  const created = tableRef(into?.rel);
  if (created) facts.tables.set(created.key, at);
  const filled = into?.skipData ? undefined : created ?? dataChangeTable(stmt.node);
  if (filled && !facts.filled.has(filled.key)) facts.filled.set(filled.key, at);
}

function dataChangeTable(node: LintStatement['node']): TableRef | undefined {
  if ('InsertStmt' in node) return tableRef(node.InsertStmt.relation);
  if ('MergeStmt' in node) return tableRef(node.MergeStmt.relation);
  if ('CopyStmt' in node && node.CopyStmt.is_from) return tableRef(node.CopyStmt.relation);
  return undefined;
}

function addCreatedTable(facts: MigrationFacts, create: CreateStmt, at: number): void {
  const table = tableRef(create.relation);
  if (!table) return;
  facts.tables.set(table.key, at);
  for (const elt of create.tableElts ?? []) {
    const col = as(elt, 'ColumnDef');
    if (col?.colname) facts.columns.set(`${table.key}.${col.colname}`, at);
    const con = as(elt, 'Constraint');
    if (con) facts.constraints.push(constraintFact(table.key, con, at));
  }
}

function addAlterFacts(facts: MigrationFacts, alter: AlterTableStmt, at: number): void {
  const table = tableRef(alter.relation);
  if (!table) return;
  for (const item of alter.cmds ?? []) {
    const cmd = as(item, 'AlterTableCmd');
    if (!cmd) continue;
    const col = as(cmd.def, 'ColumnDef');
    if (cmd.subtype === 'AT_AddColumn' && col?.colname) {
      facts.columns.set(`${table.key}.${col.colname}`, at);
      for (const c of columnConstraints(col)) if (c.contype === 'CONSTR_CHECK') facts.constraints.push(constraintFact(table.key, c, at));
    } else if (cmd.subtype === 'AT_AddConstraint') {
      const con = as(cmd.def, 'Constraint');
      if (con) facts.constraints.push(constraintFact(table.key, con, at));
    } else if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name) {
      facts.validated.push({ table: table.key, name: cmd.name, at });
    } else if (cmd.subtype === 'AT_AlterColumnType' && cmd.name && col?.typeName) {
      facts.typeChanges.push({ table: table.key, column: cmd.name, type: typeFromTypeName(col.typeName), at });
    }
  }
}

function constraintFact(table: string, con: Constraint, at: number): AddedConstraint {
  return { table, name: con.conname, at, notValid: con.skip_validation === true, notNullOf: notNullColumn(con) };
}

/** The column of `CHECK (column IS NOT NULL)`, else undefined. */
export function notNullColumn(con: Constraint): string | undefined {
  if (con.contype !== 'CONSTR_CHECK') return undefined;
  const test = as(con.raw_expr, 'NullTest');
  if (test?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = names(as(test.arg, 'ColumnRef')?.fields);
  return fields.length === 1 ? fields[0] : undefined;
}
