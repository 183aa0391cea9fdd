import type pg from 'pg';
import type { MigrationTarget } from '../sql/statement-error.js';
import type { EngineEvent } from './events.js';

/** An index PostgreSQL marks INVALID, with its table. */
interface InvalidIndex {
  readonly schema: string;
  readonly name: string;
  readonly table: string;
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
const CREATE_INDEX = new RegExp(
  String.raw`CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?(${IDENT})\s+ON\s+(?:ONLY\s+)?(?:(${IDENT})\s*\.\s*)?(${IDENT})`,
  'gi',
);

/** `"Foo"` -> `Foo`, `foo` / `FOO` -> `foo`: how PostgreSQL stores the name. */
function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident.toLowerCase();
}

/** The indexes the migration's own statements build concurrently: name, table and (if given) schema. */
export function indexesBuiltBy(sql: string): { name: string; table: string; schema: string | undefined }[] {
  return [...sql.matchAll(CREATE_INDEX)].map((m) => ({ name: unquote(m[1]!), schema: m[2] ? unquote(m[2]) : undefined, table: unquote(m[3]!) }));
}

async function invalidIndexList(client: pg.ClientBase): Promise<InvalidIndex[]> {
  const { rows } = await client.query<InvalidIndex>(
    `SELECT n.nspname AS schema, c.relname AS name, t.relname AS table
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid ORDER BY 1, 2`,
  );
  return rows;
}

/**
 * A `CREATE INDEX CONCURRENTLY` stopped midway (Ctrl-C, a killed pod) leaves its index INVALID.
 * When the pending migration's own statement builds an index of that name on that table, the
 * leftover is dbship's: it is dropped (and logged), and the migration builds it again. Other
 * INVALID indexes are left for the caller to report.
 */
export async function dropOwnInvalidIndexes(client: pg.ClientBase, target: MigrationTarget, onEvent?: (e: EngineEvent) => void): Promise<void> {
  const built = indexesBuiltBy(target.sql);
  if (built.length === 0) return;
  for (const index of await invalidIndexList(client)) {
    const own = built.some((b) => b.name === index.name && b.table === index.table && (b.schema === undefined || b.schema === index.schema));
    if (!own) continue;
    const qualified = `${client.escapeIdentifier(index.schema)}.${client.escapeIdentifier(index.name)}`;
    await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified}`);
    onEvent?.({ type: 'warning', message: `dropped the INVALID index ${index.schema}.${index.name}, left by an interrupted run of ${target.name}; building it again` });
  }
}
