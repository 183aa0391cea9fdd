import type { AlterTableCmd, ColumnDef, Constraint } from 'libpg-query';
import { as, tableRef, type TableRef } from '../ast.js';
import type { LintContext, LintStatement } from '../types.js';

/** The table and subcommands of an `ALTER TABLE` (not ALTER INDEX / VIEW / ...), else undefined. */
export function alterTable(stmt: LintStatement): { table: TableRef; cmds: AlterTableCmd[] } | undefined {
  const alter = as(stmt.node, 'AlterTableStmt');
  const table = tableRef(alter?.relation);
  if (alter?.objtype !== 'OBJECT_TABLE' || !table) return undefined;
  const cmds = (alter.cmds ?? []).map((c) => as(c, 'AlterTableCmd')).filter((c): c is AlterTableCmd => c !== undefined);
  return { table, cmds };
}

/** The `ADD COLUMN` definitions of an ALTER TABLE statement. */
export function addedColumns(cmds: AlterTableCmd[]): ColumnDef[] {
  return cmds.filter((c) => c.subtype === 'AT_AddColumn').map((c) => as(c.def, 'ColumnDef')).filter((d): d is ColumnDef => d !== undefined);
}

/** The `ADD CONSTRAINT` definitions of an ALTER TABLE statement. */
export function addedConstraints(cmds: AlterTableCmd[]): Constraint[] {
  return cmds.filter((c) => c.subtype === 'AT_AddConstraint').map((c) => as(c.def, 'Constraint')).filter((d): d is Constraint => d !== undefined);
}

/** Phrase for a table that is not empty, in messages: an existing one, or one this file filled. */
export function onTable(table: TableRef, ctx?: Pick<LintContext, 'filledAt'>): string {
  const filled = ctx?.filledAt(table);
  return filled === undefined ? `existing table ${table.display}` : `table ${table.display} (created in this file and filled at line ${filled})`;
}
