import { DbshipError } from '../../errors.js';
import { sqlState, SqlState } from '../../db/sqlstate.js';
import { caretExcerpt, lineColumn, SqlSyntaxError, type SqlStatement } from './split.js';

/** What is being run, for messages. */
export interface MigrationTarget {
  readonly name: string;
  readonly path: string;
  readonly sql: string;
  readonly transactional: boolean;
  readonly direction: 'up' | 'down';
  /** `path` as messages show it (see `display-path.ts`); default: `path`. */
  readonly shownPath?: string;
}

interface ServerError {
  message?: string;
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
  where?: string;
}

/** Location lines: `at file:line:col`, the source line, a caret under the position. */
export function locate(target: MigrationTarget, offset: number): string[] {
  const { line, column } = lineColumn(target.sql, offset);
  const [source, caret] = caretExcerpt(target.sql, offset);
  return [`at ${target.shownPath ?? target.path}:${line}:${column}`, `| ${source}`, `| ${caret}`];
}

/**
 * Turns a server error on one statement into a `MIGRATION_FAILED` error with file, line, column,
 * a caret under the position, the SQLSTATE and the server's detail / hint.
 */
export interface StatementErrorExtra {
  readonly attempts: number;
  readonly lockTimeoutMs: number;
  readonly appliedBefore: number;
  /** Who held the lock a timed-out statement waited for (pid, state, age, masked query). */
  readonly blocker?: string | undefined;
  /** How long the attempts and pauses took in all (ms). */
  readonly spentMs?: number | undefined;
  /** The missing object exists, in schemas off the migration's search_path (see offSearchPath). */
  readonly elsewhere?: { name: string; schemas: string[]; searchPath: string } | undefined;
}

export function statementError(target: MigrationTarget, stmt: SqlStatement, err: unknown, extra: StatementErrorExtra): DbshipError {
  const e = (err ?? {}) as ServerError;
  const code = sqlState(err);
  const position = Number(e.position);
  const offset = stmt.offset + (Number.isFinite(position) && position > 0 ? position - 1 : 0);
  const details = [...locate(target, offset)];
  details.push(code ? `SQLSTATE ${code}: ${e.message}` : `${e.message ?? String(err)}`);
  if (e.detail) details.push(`detail: ${e.detail}`);
  if (e.hint) details.push(`hint: ${e.hint}`);
  if (e.where) details.push(`where: ${e.where}`);
  const kind = target.direction === 'up' ? 'migration' : 'down migration';
  const rolledBack = target.transactional
    ? `nothing of ${target.name} was applied (its transaction was rolled back).`
    : extra.appliedBefore > 0
      ? `${target.name} runs without a transaction: its first ${extra.appliedBefore} statement(s) stay applied and are recorded as done; the migration is not recorded, and the next run resumes at this statement (once fixed here, the earlier ones are not run again).`
      : `nothing of ${target.name} was applied.`;
  if (code === SqlState.LockNotAvailable) return lockRetriesExhausted(target, kind, details, rolledBack, err, extra);
  if (code === SqlState.QueryCanceled) {
    return new DbshipError('MIGRATION_FAILED', `${kind} ${target.name} was cancelled: it ran longer than statement_timeout`, {
      details,
      why: rolledBack,
      fix: 'raise MIGRATE_STATEMENT_TIMEOUT for this deploy, or split the work (e.g. batch a backfill).',
      cause: err,
    });
  }
  if (code?.startsWith('53')) {
    return new DbshipError('MIGRATION_FAILED', `${kind} ${target.name} failed: the server ran out of resources: ${e.message}`, {
      details,
      why: `SQLSTATE class 53 (disk full, out of memory, too many connections). ${rolledBack}`,
      fix: code === SqlState.DiskFull ? 'free disk space or grow the volume (a table rewrite or an index build needs room for a full copy), then run again.' : 'free the resource named above (memory, connections), then run again.',
      cause: err,
    });
  }
  if (code === SqlState.InsufficientPrivilege) {
    return new DbshipError('MIGRATION_FAILED', `${kind} ${target.name} failed: ${e.message}`, {
      details,
      why: `the role running migrations lacks a privilege this statement needs. ${rolledBack}`,
      fix: 'run migrations as the role that owns the schema (MIGRATE_DB_USER / MIGRATE_DB_PASS), or grant it the privilege named above.',
      cause: err,
    });
  }
  if (code === SqlState.ActiveSqlTransaction && target.transactional) {
    return new DbshipError('MIGRATION_FAILED', `${kind} ${target.name} failed: ${e.message}`, {
      details,
      why: `dbship runs each migration in a transaction unless told otherwise, and this statement (e.g. CREATE INDEX CONCURRENTLY) cannot run in one. ${rolledBack}`,
      fix: 'put it in its own migration whose first line is `-- dbship:no-transaction` (one statement per such file).',
      cause: err,
    });
  }
  if (code === SqlState.CheckViolation) {
    return new DbshipError('MIGRATION_FAILED', `${kind} ${target.name} failed: ${e.message}`, {
      details,
      why: `rows of the table do not satisfy a check this migration requires (the data, not the SQL, is what stops it). ${rolledBack}`,
      fix: e.hint ? 'see the hint above; then run again.' : 'change the rows that break the check named above, then run again.',
      cause: err,
    });
  }
  if (extra.elsewhere) {
    const { name, schemas, searchPath } = extra.elsewhere;
    details.push(`"${name}" exists in schema ${schemas.join(', ')}, which is not on the search_path migrations run with (${searchPath})`);
    return new DbshipError('MIGRATION_FAILED', `${kind} ${target.name} failed: ${e.message ?? String(err)}`, {
      details,
      why: `the migration names "${name}" without its schema, and dbship runs every migration with an explicit search_path (MIGRATE_SEARCH_PATH), not PostgreSQL's default "$user", public: a history written for a role named like its schema relies on that default. ${rolledBack}`,
      fix: `set MIGRATE_SEARCH_PATH=${schemas[0]},${searchPath} (or searchPath in the dbship settings) so the migrations see the schema they were written for, and run again.`,
      cause: err,
    });
  }
  return new DbshipError('MIGRATION_FAILED', `${kind} ${target.name} failed: ${e.message ?? String(err)}`, {
    details,
    why: rolledBack,
    fix: 'correct the SQL in a new migration (or this file, if it was never applied anywhere) and run again.',
    cause: err,
  });
}

function lockRetriesExhausted(target: MigrationTarget, kind: string, details: string[], rolledBack: string, err: unknown, extra: StatementErrorExtra): DbshipError {
  const over = extra.spentMs === undefined ? '' : ` over ${(extra.spentMs / 1000).toFixed(1)} s`;
  const blocked = extra.blocker ? `blocked by ${extra.blocker}` : 'the blocking session was not seen (pg_blocking_pids named none while it waited)';
  const pid = extra.blocker ? /^pid (\d+)/.exec(extra.blocker)?.[1] : undefined;
  return new DbshipError('LOCK_RETRIES_EXHAUSTED', `${kind} ${target.name} could not get its table lock within lock_timeout (${extra.lockTimeoutMs} ms) in ${extra.attempts} attempt(s)${over}: ${blocked}`, {
    details,
    why: `another session holds a conflicting lock (a long query or an open transaction; named with pg_blocking_pids while the statement waited). Each attempt gave up after lock_timeout instead of queueing, so application queries waited at most that long behind it, and traffic flowed during the pauses between attempts. ${rolledBack}`,
    fix: `let that session finish (or end it: SELECT pg_terminate_backend(${pid ?? 'its pid'});) and run again; or allow more time with MIGRATE_LOCK_RETRY_BUDGET / MIGRATE_LOCK_RETRIES.`,
    cause: err,
  });
}

/** A file the PostgreSQL parser rejects: reported before anything runs. */
export function parseError(target: MigrationTarget, err: unknown): DbshipError {
  const offset = err instanceof SqlSyntaxError ? err.offset : 0;
  return new DbshipError('MIGRATION_FAILED', `${target.name} is not valid SQL: ${(err as Error).message}`, {
    details: locate(target, offset),
    why: 'the file does not parse with the PostgreSQL parser; nothing was applied.',
    fix: 'correct the SQL and run again.',
    cause: err,
  });
}
