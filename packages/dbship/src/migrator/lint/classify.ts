import type { Constraint, Node } from 'libpg-query';
import { as, columnConstraints, qualifiedTable, tableRef, type TableRef } from './ast.js';
import type { LintContext, LintStatement } from './types.js';

/** Statements that neither change the schema nor data of a table (settings, comments, reads). */
const NEUTRAL = new Set([
  'SelectStmt', 'VariableSetStmt', 'VariableShowStmt', 'TransactionStmt', 'CommentStmt', 'DoStmt', 'CallStmt',
  'ExplainStmt', 'NotifyStmt', 'ListenStmt', 'UnlistenStmt', 'DiscardStmt', 'GrantStmt', 'GrantRoleStmt',
  'CheckPointStmt', 'LoadStmt', 'PrepareStmt', 'ExecuteStmt', 'DeallocateStmt', 'ConstraintsSetStmt',
]);

/** A data change: the verb and the table written. */
export interface DataChange {
  readonly verb: string;
  readonly table: TableRef;
}

/** The table an INSERT / UPDATE / DELETE / MERGE / COPY FROM writes, else undefined. */
export function dataChange(node: Node): DataChange | undefined {
  const pick = (verb: string, rv: Parameters<typeof tableRef>[0]): DataChange | undefined => {
    const table = tableRef(rv);
    return table ? { verb, table } : undefined;
  };
  if ('InsertStmt' in node) return pick('INSERT', node.InsertStmt.relation);
  if ('UpdateStmt' in node) return pick('UPDATE', node.UpdateStmt.relation);
  if ('DeleteStmt' in node) return pick('DELETE', node.DeleteStmt.relation);
  if ('MergeStmt' in node) return pick('MERGE', node.MergeStmt.relation);
  if ('CopyStmt' in node && node.CopyStmt.is_from) return pick('COPY', node.CopyStmt.relation);
  return undefined;
}

/** A schema change: anything that is neither a data change nor neutral. */
export function isSchemaChange(stmt: LintStatement): boolean {
  if (NEUTRAL.has(stmt.tag) || dataChange(stmt.node)) return false;
  return !('CopyStmt' in stmt.node);
}

/**
 * The tables a statement acts on (`targets`) and the tables it ties them to by a foreign key
 * (`references`), for "one concern per migration". An index or a FOREIGN KEY belongs with its
 * table, so a table, its indexes and the tables it references count as one concern.
 */
export function touchedTables(stmt: LintStatement, ctx: LintContext): { targets: TableRef[]; references: TableRef[] } {
  const n = stmt.node;
  const targets: (TableRef | undefined)[] = [];
  const constraints: Constraint[] = [];
  const data = dataChange(n);
  if (data) targets.push(data.table);
  if ('CreateStmt' in n) {
    targets.push(tableRef(n.CreateStmt.relation));
    for (const elt of n.CreateStmt.tableElts ?? []) {
      const col = as(elt, 'ColumnDef');
      constraints.push(...(col ? columnConstraints(col) : []), ...[as(elt, 'Constraint')].filter((c): c is Constraint => c !== undefined));
    }
    for (const parent of n.CreateStmt.inhRelations ?? []) targets.push(tableRef(as(parent, 'RangeVar')));
  }
  if ('AlterTableStmt' in n && n.AlterTableStmt.objtype === 'OBJECT_TABLE') {
    targets.push(tableRef(n.AlterTableStmt.relation));
    for (const c of n.AlterTableStmt.cmds ?? []) {
      const def = as(c, 'AlterTableCmd')?.def;
      const col = as(def, 'ColumnDef');
      constraints.push(...(col ? columnConstraints(col) : []), ...[as(def, 'Constraint')].filter((x): x is Constraint => x !== undefined));
    }
  }
  targets.push(...simpleTargets(n, ctx));
  const references = constraints.map((c) => tableRef(c.pktable)).filter((t): t is TableRef => t !== undefined);
  return { targets: targets.filter((t): t is TableRef => t !== undefined), references };
}

/** Targets of the statements that name their table(s) directly. */
function simpleTargets(n: Node, ctx: LintContext): (TableRef | undefined)[] {
  if ('IndexStmt' in n) return [tableRef(n.IndexStmt.relation)];
  if ('CreateTableAsStmt' in n) return [tableRef(n.CreateTableAsStmt.into?.rel)];
  if ('AlterObjectSchemaStmt' in n) return [tableRef(n.AlterObjectSchemaStmt.relation)];
  if ('ClusterStmt' in n) return [tableRef(n.ClusterStmt.relation)];
  if ('TruncateStmt' in n) return (n.TruncateStmt.relations ?? []).map((r) => tableRef(as(r, 'RangeVar')));
  if ('LockStmt' in n) return (n.LockStmt.relations ?? []).map((r) => tableRef(as(r, 'RangeVar')));
  if ('VacuumStmt' in n) return (n.VacuumStmt.rels ?? []).map((r) => tableRef(as(r, 'VacuumRelation')?.relation));
  if ('ReindexStmt' in n && n.ReindexStmt.kind === 'REINDEX_OBJECT_TABLE') return [tableRef(n.ReindexStmt.relation)];
  if ('RenameStmt' in n) {
    const rel = tableRef(n.RenameStmt.relation);
    if (n.RenameStmt.renameType === 'OBJECT_INDEX' && rel) return [ctx.indexTable(rel.schema, rel.name)?.table];
    return n.RenameStmt.relationType === 'OBJECT_TABLE' || n.RenameStmt.renameType === 'OBJECT_TABLE' ? [rel] : [];
  }
  if ('DropStmt' in n) {
    const kind = n.DropStmt.removeType;
    return (n.DropStmt.objects ?? []).map((o) => {
      const name = qualifiedTable(as(o, 'List')?.items);
      if (!name) return undefined;
      if (kind === 'OBJECT_INDEX') return ctx.indexTable(name.schema, name.name)?.table;
      return kind === 'OBJECT_TABLE' ? name : undefined;
    });
  }
  return [];
}
