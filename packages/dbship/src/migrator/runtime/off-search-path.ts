import type pg from 'pg';
import { sqlState, SqlState } from '../../db/sqlstate.js';
import { SourceText } from '../sql/source.js';
import { doBlockStatements } from '../sql/plpgsql.js';
import type { SqlStatement } from '../sql/split.js';

/**
 * When a statement failed on a relation or type that does not exist (42P01, 42704): the schemas
 * off the session's `search_path` that do have an object of that name. Migrations run with an
 * explicit `search_path` (MIGRATE_SEARCH_PATH, default `public`), never PostgreSQL's default
 * `"$user", public`; a history written for a role named like its schema refers to that schema's
 * objects unqualified, and fails here with "does not exist" although the object is there. The
 * name is read from the statement at the server's error position (never from the message text).
 * Looked for in the catalog (objects of earlier migrations) and in `earlier`, the statements of
 * the failed migration before the failing one (their objects were rolled back with it). A
 * qualified name, or no such object anywhere, gives undefined.
 */
export async function offSearchPath(client: pg.ClientBase, stmt: SqlStatement, err: unknown, earlier: readonly SqlStatement[] = []): Promise<{ name: string; schemas: string[]; searchPath: string } | undefined> {
  const code = sqlState(err);
  if (code !== SqlState.UndefinedTable && code !== SqlState.UndefinedObject) return undefined;
  const position = Number((err as { position?: string }).position);
  if (!Number.isInteger(position) || position < 1) return undefined;
  const name = unqualifiedNameAt(stmt.text, new SourceText(stmt.text).fromCodePoint(position - 1));
  if (name === undefined) return undefined;
  const { rows } = await client.query<{ schemas: string[]; path: string; on: string[] }>(
    `SELECT ARRAY(SELECT n.nspname::text FROM pg_namespace n
                   WHERE n.nspname <> ALL (current_schemas(true))
                     AND (EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname = $1)
                       OR EXISTS (SELECT 1 FROM pg_type t WHERE t.typnamespace = n.oid AND t.typname = $1))
                   ORDER BY 1) AS schemas,
            array_to_string(current_schemas(false), ', ') AS path, current_schemas(true)::text[] AS on`,
    [name],
  );
  const row = rows[0]!;
  const inBlocks = await Promise.all(earlier.filter((s) => s.node?.DoStmt !== undefined).map((s) => doBlockStatements(s.text)));
  const created = [...earlier.map((s) => s.node), ...inBlocks.flat()].flatMap(createdName).filter((c) => c.name === name && c.schema !== undefined && !row.on.includes(c.schema)).map((c) => c.schema!);
  const schemas = [...new Set([...row.schemas, ...created])];
  return schemas.length === 0 ? undefined : { name, schemas, searchPath: row.path };
}

interface RangeVarLike {
  schemaname?: string;
  relname?: string;
}

/** The schema and name of the relation or type a statement creates, if it creates one. */
function createdName(node: unknown): Array<{ schema: string | undefined; name: string }> {
  const n = node as Record<string, Record<string, unknown> | undefined>;
  const fromRangeVar = (rv: unknown) => {
    const r = rv as RangeVarLike | undefined;
    return r?.relname ? [{ schema: r.schemaname, name: r.relname }] : [];
  };
  const fromNames = (list: unknown) => {
    const parts = ((list as Array<{ String?: { sval?: string } }> | undefined) ?? []).map((p) => p.String?.sval ?? '');
    return parts.length === 0 ? [] : [{ schema: parts.length > 1 ? parts.at(-2) : undefined, name: parts.at(-1)! }];
  };
  if (n.CreateStmt) return fromRangeVar(n.CreateStmt.relation);
  if (n.CreateEnumStmt) return fromNames(n.CreateEnumStmt.typeName);
  if (n.CompositeTypeStmt) return fromRangeVar(n.CompositeTypeStmt.typevar);
  if (n.CreateDomainStmt) return fromNames(n.CreateDomainStmt.domainname);
  if (n.CreateSeqStmt) return fromRangeVar(n.CreateSeqStmt.sequence);
  if (n.ViewStmt) return fromRangeVar(n.ViewStmt.view);
  if (n.CreateTableAsStmt) return fromRangeVar((n.CreateTableAsStmt.into as { rel?: unknown } | undefined)?.rel);
  return [];
}

/** The identifier starting at `offset` (quoted or not, folded as the server folds it), unless qualified. */
function unqualifiedNameAt(text: string, offset: number): string | undefined {
  let name: string;
  let end: number;
  if (text[offset] === '"') {
    const m = /^"((?:[^"]|"")+)"/.exec(text.slice(offset));
    if (!m) return undefined;
    name = m[1]!.replace(/""/g, '"');
    end = offset + m[0].length;
  } else {
    const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(text.slice(offset));
    if (!m) return undefined;
    name = m[0].toLowerCase();
    end = offset + m[0].length;
  }
  return /^\s*\./.test(text.slice(end)) ? undefined : name;
}
