import type { ColumnDef, Constraint, Node, RangeVar } from 'libpg-query';

/** Every node type name of the PostgreSQL parse tree, e.g. `AlterTableStmt`. */
export type NodeTag = Node extends infer U ? (U extends Record<infer K, unknown> ? K & string : never) : never;

/** The payload type of a node tag, e.g. `NodeOf<'IndexStmt'>` is `IndexStmt`. */
export type NodeOf<K extends NodeTag> = Extract<Node, Record<K, unknown>>[K];

/** A table as a statement names it; `key` is schema-qualified (unqualified names mean `public`). */
export interface TableRef {
  readonly schema: string;
  readonly name: string;
  /** `schema.name`, used to compare tables. */
  readonly key: string;
  /** As written (unqualified when written so), for messages. */
  readonly display: string;
  /** Byte offset of the name in the file, when the parser gave one. */
  readonly location?: number | undefined;
}

/**
 * dbship assumes the default `search_path` (`public`): drizzle-kit writes `"users"` in CREATE TABLE
 * and `"public"."users"` in REFERENCES, and both must be the same table.
 */
export const DEFAULT_SCHEMA = 'public';

/** The tag of a node (its single key). */
export function tagOf(node: Node | undefined): string {
  return node ? Object.keys(node)[0] ?? '' : '';
}

/** The node's payload when it is of type `tag`, else undefined. */
export function as<K extends NodeTag>(node: Node | undefined, tag: K): NodeOf<K> | undefined {
  if (node === undefined || !(tag in node)) return undefined;
  return (node as unknown as Record<K, NodeOf<K>>)[tag];
}

/** A table reference from a RangeVar. */
export function tableRef(rv: RangeVar | undefined): TableRef | undefined {
  if (!rv?.relname) return undefined;
  return makeTableRef(rv.schemaname, rv.relname, rv.location);
}

export function makeTableRef(schema: string | undefined, name: string, location?: number): TableRef {
  const s = schema ?? DEFAULT_SCHEMA;
  return { schema: s, name, key: `${s}.${name}`, display: schema ? `${schema}.${name}` : name, location };
}

/** The strings of a name list (`String` nodes), e.g. `["public", "users_email_idx"]`. */
export function names(list: Node[] | undefined): string[] {
  return (list ?? []).map((n) => as(n, 'String')?.sval ?? '').filter((s) => s !== '');
}

/** The schema and name of a possibly qualified name list (`[schema,] name`). */
export function qualifiedName(list: Node[] | undefined): { schema: string; name: string; display: string } | undefined {
  const parts = names(list);
  const name = parts.at(-1);
  if (name === undefined) return undefined;
  const schema = parts.length > 1 ? parts.at(-2)! : undefined;
  return { schema: schema ?? DEFAULT_SCHEMA, name, display: schema ? `${schema}.${name}` : name };
}

/** A table named by a possibly qualified name list (DROP TABLE's objects). */
export function qualifiedTable(list: Node[] | undefined): TableRef | undefined {
  const parts = names(list);
  const name = parts.at(-1);
  return name === undefined ? undefined : makeTableRef(parts.length > 1 ? parts.at(-2) : undefined, name);
}

/** The constraints declared inline on a column definition. */
export function columnConstraints(col: ColumnDef): Constraint[] {
  return (col.constraints ?? []).map((c) => as(c, 'Constraint')).filter((c): c is Constraint => c !== undefined);
}

/** Calls `visit` for every node (tag and payload) in a subtree, depth first. */
export function walk(value: unknown, visit: (tag: string, payload: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (/^[A-Z]/.test(key) && typeof child === 'object' && child !== null && !Array.isArray(child)) visit(key, child as Record<string, unknown>);
    walk(child, visit);
  }
}

/** Quotes an identifier for a message only when it needs it. */
export function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
