import { DbshipError } from '../../errors.js';
import { locate, parseError, type MigrationTarget } from './statement-error.js';
import { splitStatements, SqlSyntaxError, type SqlStatement } from './split.js';
import { CUSTOM_DOWN_HEADER, CUSTOM_HEADER, DRIZZLE_CUSTOM_LINE } from '../folder/custom-template.js';

/** Why one top-level statement cannot run inside a dbship migration, and what to write instead. */
interface Refusal {
  readonly what: string;
  readonly why: string;
  readonly fix: string;
}

/** How each kind of top-level transaction statement is written, for messages (lint uses it too). */
export const TRANSACTION_WORDS: Record<string, string> = {
  TRANS_STMT_BEGIN: 'BEGIN', TRANS_STMT_START: 'START TRANSACTION', TRANS_STMT_COMMIT: 'COMMIT (or END)',
  TRANS_STMT_ROLLBACK: 'ROLLBACK (or ABORT)', TRANS_STMT_SAVEPOINT: 'SAVEPOINT', TRANS_STMT_RELEASE: 'RELEASE SAVEPOINT',
  TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO SAVEPOINT', TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
  TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED', TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};

/**
 * The statements of `target`, checked before anything runs: the file parses, is not blank nor a
 * template never filled in, and none of its top-level statements is one dbship cannot run for it
 * (transaction control, COPY to or from the client). Statements inside a DO block or a function
 * body are not top-level and are left to the server. Throws `MIGRATION_FAILED` on a syntax error
 * and `MIGRATION_REFUSED` otherwise, both with file, line and a caret. A file of comments only
 * that is not a template (SQL commented out by hand in a real history) has no statement: it
 * changes nothing and is recorded, as drizzle-orm's migrator records it ({@link commentOnlyNotice}).
 */
export async function runnableStatements(target: MigrationTarget): Promise<SqlStatement[]> {
  if (target.sql.trim() === '' || isUnfilledTemplate(target.sql)) throw emptyFile(target);
  let statements: SqlStatement[];
  try {
    statements = await splitStatements(target.sql);
  } catch (err) {
    throw (await copyDataRefusal(target, err)) ?? parseError(target, err);
  }
  for (const stmt of statements) {
    const refusal = refusalOf(stmt);
    if (refusal) throw refused(target, stmt, refusal);
  }
  return statements;
}

/** A plain BEGIN / START TRANSACTION or COMMIT / END: a boundary dbship can honour (see {@link transactionUnits}). */
function boundaryOf(stmt: SqlStatement): 'begin' | 'commit' | null {
  const tx = stmt.node?.TransactionStmt as { kind?: string; chain?: boolean } | undefined;
  if (!tx || tx.chain) return null;
  if (tx.kind === 'TRANS_STMT_BEGIN' || tx.kind === 'TRANS_STMT_START') return 'begin';
  if (tx.kind === 'TRANS_STMT_COMMIT') return 'commit';
  return null;
}

/** Statements that run together: in one transaction (opened by `begin`), or each on its own. */
export interface TransactionUnit {
  readonly inTransaction: boolean;
  /** The statement that opens the unit's transaction: the file's own BEGIN, or `BEGIN`. */
  readonly begin: string;
  readonly statements: readonly SqlStatement[];
}

/** How a file that writes its own BEGIN / COMMIT runs. */
export interface SelfManagedPlan {
  readonly units: readonly TransactionUnit[];
  /** The file's first COMMIT, for messages; null when it only repeats a BEGIN. */
  readonly firstCommit: SqlStatement | null;
}

/**
 * A file that writes its own transaction boundaries, run as drizzle-orm and psql run it: it
 * starts inside a transaction (unless it is `-- dbship:no-transaction`); its COMMIT ends that
 * transaction, the statements after it run each on its own (autocommit), and a later BEGIN opens
 * the next transaction, up to its COMMIT or the end of the file. A BEGIN inside a transaction
 * changes nothing. This is how files escape the migration's transaction for CREATE INDEX
 * CONCURRENTLY. Returns null for a file without BEGIN or COMMIT (the usual case).
 */
export function transactionUnits(statements: readonly SqlStatement[], startsInTransaction: boolean): SelfManagedPlan | null {
  if (!statements.some((s) => boundaryOf(s) !== null)) return null;
  const units: TransactionUnit[] = [];
  let inTransaction = startsInTransaction;
  let begin = 'BEGIN';
  let current: SqlStatement[] = [];
  let firstCommit: SqlStatement | null = null;
  const close = () => {
    if (current.length > 0) units.push({ inTransaction, begin, statements: current });
    current = [];
  };
  for (const stmt of statements) {
    const boundary = boundaryOf(stmt);
    if (boundary === 'commit') {
      firstCommit ??= stmt;
      if (inTransaction) close();
      inTransaction = false;
    } else if (boundary === 'begin') {
      if (!inTransaction) {
        close();
        inTransaction = true;
        begin = stmt.text;
      }
    } else if (inTransaction) {
      current.push(stmt);
    } else {
      units.push({ inTransaction: false, begin: 'BEGIN', statements: [stmt] });
    }
  }
  close();
  return { units, firstCommit };
}

/** Checks every target (see {@link runnableStatements}) before the first one runs. */
export async function assertRunnable(targets: readonly MigrationTarget[]): Promise<void> {
  for (const target of targets) await runnableStatements(target);
}

function refusalOf(stmt: SqlStatement): Refusal | null {
  const node = stmt.node ?? {};
  const tx = node.TransactionStmt as { kind?: string; chain?: boolean } | undefined;
  if (tx && !boundaryOf(stmt)) {
    return {
      what: `${TRANSACTION_WORDS[tx.kind ?? ''] ?? 'transaction control'}${tx.chain ? ' AND CHAIN' : ''} is not allowed in a migration file`,
      why: 'dbship owns the transaction: it runs each migration together with its tracking row in one transaction. A ROLLBACK or a savepoint would discard work while the migration is recorded as applied, and a prepared transaction would outlive the run.',
      fix: 'remove the transaction statements: a migration is already atomic. For statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY), use a migration of their own whose first line is `-- dbship:no-transaction`.',
    };
  }
  const copy = node.CopyStmt as { is_from?: boolean; filename?: string } | undefined;
  if (copy && copy.filename === undefined) {
    const direction = copy.is_from ? 'FROM stdin' : 'TO stdout';
    return {
      what: `COPY ... ${direction} is not supported in migrations: ${copy.is_from ? 'use INSERT ... VALUES instead' : 'remove it'}`,
      why: `COPY ... ${direction} streams rows between the server and a client program such as psql; dbship sends the file as SQL statements, so there is no client stream to read ${copy.is_from ? 'the rows from' : 'the rows into'}.`,
      fix: copy.is_from
        ? 'use INSERT ... VALUES (or INSERT ... SELECT) in the migration; for a large data set, load it with psql \\copy outside migrations, or COPY FROM a file on the database server.'
        : 'remove it: a migration has nowhere to print rows. Use a query in a separate script instead.',
    };
  }
  return null;
}

function refused(target: MigrationTarget, stmt: SqlStatement, refusal: Refusal): DbshipError {
  return new DbshipError('MIGRATION_REFUSED', `${target.name}: ${refusal.what}`, {
    details: locate(target, stmt.offset),
    why: `${refusal.why} Nothing was applied.`,
    fix: refusal.fix,
  });
}

/**
 * The comment lines `dbship generate --custom` and `drizzle-kit generate --custom` write into a new
 * hand-written migration (and its down file), without the directives a person may add: a file
 * holding nothing else was never filled in.
 */
const TEMPLATE_LINES: ReadonlySet<string> = new Set([DRIZZLE_CUSTOM_LINE, ...CUSTOM_HEADER, ...CUSTOM_DOWN_HEADER]);

/** True when every non-blank line of `sql` is a line of a generator's custom-migration template. */
function isUnfilledTemplate(sql: string): boolean {
  const lines = sql.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  return lines.length > 0 && lines.every((l) => TEMPLATE_LINES.has(l) || /^--\s*dbship:[a-z-]+/.test(l.trim()));
}

/**
 * For a file of comments only (no statement, not a template): the warning that it changes
 * nothing and is recorded all the same, as drizzle-orm's migrator records it; else null.
 */
export async function commentOnlyNotice(target: MigrationTarget): Promise<string | null> {
  if ((await runnableStatements(target)).length > 0) return null;
  return `${target.name} holds only comments: it changes nothing and is recorded as ${target.direction === 'up' ? 'applied' : 'reverted'}, as drizzle-orm's migrator records it (SQL commented out by hand?)`;
}

function emptyFile(target: MigrationTarget): DbshipError {
  const file = target.direction === 'up' ? 'migration file' : 'down file';
  return new DbshipError('MIGRATION_REFUSED', `${target.name}: the ${file} is empty (no SQL statement: blank, or the custom-migration template never filled in)`, {
    details: [`at ${target.shownPath ?? target.path}`],
    why: 'it would be recorded as applied while changing nothing; a blank file or a bare template is a `generate --custom` file that was never filled in. Nothing was applied.',
    fix: target.direction === 'up'
      ? 'write the migration\'s SQL, or, if it is not needed and was never applied anywhere, delete its files and its journal entry.'
      : 'write the SQL that reverts the migration, or mark it `-- dbship:irreversible <reason>`.',
  });
}

/**
 * A file with `COPY ... FROM stdin;` followed by its rows (what pg_dump writes) does not parse:
 * the rows are not SQL. When the text up to the failing line parses and ends in such a COPY,
 * that COPY is the thing to report, not a syntax error at the first row.
 */
async function copyDataRefusal(target: MigrationTarget, err: unknown): Promise<DbshipError | null> {
  if (!(err instanceof SqlSyntaxError)) return null;
  const upTo = target.sql.slice(0, err.offset);
  const before = upTo.slice(0, upTo.lastIndexOf('\n') + 1);
  const statements = await splitStatements(before).catch(() => []);
  const last = statements.at(-1);
  const refusal = last ? refusalOf(last) : null;
  return last && refusal && last.node?.CopyStmt ? refused(target, last, refusal) : null;
}
