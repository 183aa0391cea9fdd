import path from 'node:path';
import { DbshipError } from '../../errors.js';
import { sqlState, SqlState } from '../../db/sqlstate.js';
import { caretExcerpt, lineColumn, type SqlStatement } from './split.js';

/** What is being run, for messages. */
export interface MigrationTarget {
  readonly name: string;
  readonly path: string;
  readonly sql: string;
  readonly transactional: boolean;
  readonly direction: 'up' | 'down';
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
  return [`at ${displayPath(target.path)}:${line}:${column}`, `| ${source}`, `| ${caret}`];
}

/**
 * Turns a server error on one statement into a `MIGRATION_FAILED` error with file, line, column,
 * a caret under the position, the SQLSTATE and the server's detail / hint.
 */
export function statementError(target: MigrationTarget, stmt: SqlStatement, err: unknown, extra: { attempts: number; lockTimeoutMs: number; appliedBefore: number }): DbshipError {
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
      ? `${target.name} runs without a transaction: its first ${extra.appliedBefore} statement(s) stay applied; it is not recorded, so it runs again next time (make its statements idempotent, e.g. IF NOT EXISTS).`
      : `nothing of ${target.name} was applied.`;
  if (code === SqlState.LockNotAvailable) {
    return new DbshipError('LOCK_RETRIES_EXHAUSTED', `${kind} ${target.name} could not get its table lock within lock_timeout (${extra.lockTimeoutMs} ms) in ${extra.attempts} attempt(s)`, {
      details,
      why: `another session holds a conflicting lock (a long query or an open transaction); dbship gives up instead of queueing, so application queries are never stalled behind the migration. ${rolledBack}`,
      fix: 'find the blocker (SELECT pid, state, xact_start, query FROM pg_stat_activity WHERE pid = ANY(pg_blocking_pids(<pid>))), let it finish, and run again; or raise MIGRATE_LOCK_RETRIES / MIGRATE_LOCK_TIMEOUT.',
      cause: err,
    });
  }
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
  return new DbshipError('MIGRATION_FAILED', `${kind} ${target.name} failed: ${e.message ?? String(err)}`, {
    details,
    why: rolledBack,
    fix: 'correct the SQL in a new migration (or this file, if it was never applied anywhere) and run again.',
    cause: err,
  });
}

/** A file the PostgreSQL parser rejects: reported before anything runs. */
export function parseError(target: MigrationTarget, err: unknown): DbshipError {
  // libpg-query reports a syntax error's cursor in code points (node locations are in bytes).
  const cursor = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
  const offset = typeof cursor === 'number' ? [...target.sql].slice(0, Math.max(0, cursor)).join('').length : 0;
  return new DbshipError('MIGRATION_FAILED', `${target.name} is not valid SQL: ${(err as Error).message}`, {
    details: locate(target, offset),
    why: 'the file does not parse with the PostgreSQL parser; nothing was applied.',
    fix: 'correct the SQL and run again.',
    cause: err,
  });
}

/** A path relative to the working directory when it is below it, else absolute. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}
