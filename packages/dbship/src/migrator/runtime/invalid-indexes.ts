/**
 * INVALID indexes, which a failed or interrupted CREATE INDEX CONCURRENTLY leaves behind: listing
 * them, dropping a failed statement's own leftovers, and refusing to run past anyone else's.
 */
import type pg from 'pg';
import { DbshipError } from '../../errors.js';
import { sqlState, SqlState } from '../../db/sqlstate.js';
import type { MigrationTarget } from '../sql/statement-error.js';
import type { EngineEvent } from './events.js';

/** An index PostgreSQL marks INVALID, with its table. */
interface InvalidIndex {
  readonly schema: string;
  readonly name: string;
  readonly table: string;
  /** `schema.name`, each quoted only where it needs to be. */
  readonly qualified: string;
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

/** Indexes PostgreSQL marks INVALID, schema-qualified (quoted where needed, as DROP INDEX takes them). */
export async function invalidIndexes(client: pg.ClientBase): Promise<string[]> {
  return (await invalidIndexList(client)).map((i) => i.qualified);
}

/**
 * Drops the INVALID indexes that appeared since `before`: the failed statement's own leftovers.
 * Best effort, unless `strict`: then a drop that fails (it waits for the same writers as the build
 * that timed out) throws, so that the statement does not run again over its leftover, which
 * `IF NOT EXISTS` would keep, INVALID, and report as built.
 */
export async function dropNewInvalidIndexes(client: pg.ClientBase, before: string[], strict = false): Promise<void> {
  let now: string[];
  try {
    now = await invalidIndexes(client);
  } catch (err) {
    if (strict) throw err;
    return;
  }
  for (const name of now.filter((n) => !before.includes(n))) {
    await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`).catch((err: unknown) => {
      if (strict) throw err;
    });
  }
}

/**
 * Refuses to run a no-transaction migration while an INVALID index exists, after dropping the
 * ones the migration's own statements left when a run of it was interrupted (it builds them again).
 */
export async function assertNoInvalidIndexes(client: pg.ClientBase, target: MigrationTarget, waitMs: number, onEvent?: (e: EngineEvent) => void): Promise<void> {
  await dropOwnInvalidIndexes(client, target, waitMs, onEvent);
  const invalid = await invalidIndexes(client);
  if (invalid.length === 0) return;
  throw new DbshipError('INVALID_INDEX', `the database has INVALID index${invalid.length > 1 ? 'es' : ''} ${invalid.join(', ')}; not running ${target.name}`, {
    why: 'a CREATE INDEX CONCURRENTLY failed or was interrupted earlier; the index exists but is not used, and IF NOT EXISTS would silently keep it broken.',
    fix: `drop it and run again: ${invalid.map((n) => `DROP INDEX CONCURRENTLY IF EXISTS ${n};`).join(' ')}`,
  });
}

async function invalidIndexList(client: pg.ClientBase): Promise<InvalidIndex[]> {
  const { rows } = await client.query<InvalidIndex>(
    `SELECT n.nspname AS schema, c.relname AS name, t.relname AS table, format('%I.%I', n.nspname, c.relname) AS qualified
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
 * INVALID indexes are left for the caller to report. The drop waits for the transactions open on
 * the table (it blocks none of the app's reads and writes), up to `waitMs`; past that the run
 * fails, naming the table, rather than wait without end.
 */
async function dropOwnInvalidIndexes(client: pg.ClientBase, target: MigrationTarget, waitMs: number, onEvent?: (e: EngineEvent) => void): Promise<void> {
  const built = indexesBuiltBy(target.sql);
  if (built.length === 0) return;
  for (const index of await invalidIndexList(client)) {
    const own = built.some((b) => b.name === index.name && b.table === index.table && (b.schema === undefined || b.schema === index.schema));
    if (!own) continue;
    const qualified = `${client.escapeIdentifier(index.schema)}.${client.escapeIdentifier(index.name)}`;
    await client.query(`SET lock_timeout = ${Math.max(1, Math.round(waitMs))}`);
    try {
      await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified}`);
    } catch (err) {
      if (sqlState(err) !== SqlState.LockNotAvailable) throw err;
      throw new DbshipError('LOCK_RETRIES_EXHAUSTED', `could not drop the INVALID index ${index.schema}.${index.name}, left by an interrupted run of ${target.name}, within ${waitMs} ms`, {
        why: `DROP INDEX CONCURRENTLY waits until every transaction open on ${index.schema}.${index.table} has ended, and one stayed open (an idle-in-transaction session, or a long query); nothing of ${target.name} ran.`,
        fix: 'end or wait out that transaction (pg_stat_activity shows it), then run again; MIGRATE_LOCK_RETRY_BUDGET sets how long the drop may wait.',
        cause: err,
      });
    } finally {
      await client.query('RESET lock_timeout').catch(() => {});
    }
    onEvent?.({ type: 'warning', message: `dropped the INVALID index ${index.schema}.${index.name}, left by an interrupted run of ${target.name}; building it again` });
  }
}
