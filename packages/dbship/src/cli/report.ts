import { sqlState, SqlState } from '../db/sqlstate.js';
import { DbshipError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { commandLine, localizeCommands, type Invocation } from './invocation.js';
import { styleDiagnostic, type Style } from './style.js';

/** What the error report needs to know about the run. */
export interface ReportContext {
  readonly err: (line: string) => void;
  readonly style: Style;
  readonly invocation: Invocation;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The database was the local development one (then wiping it is a fix worth offering). */
  readonly localDatabase: boolean;
}

/** Errors whose way out, on a local development database, is to start it over. */
const RESET_HELPS = new Set(['DIVERGED', 'MISSING_FILE', 'CHECKSUM_MISMATCH', 'OUT_OF_ORDER']);

/**
 * Prints a failure (what happened, why, what to do, with commands in the form the user ran,
 * coloured on a terminal) and returns its exit code.
 */
export function reportError(e: unknown, ctx: ReportContext): ExitCode {
  const error = asDbshipError(e, ctx);
  const fix = ctx.localDatabase && RESET_HELPS.has(error.code) ? localFix(error, ctx.invocation) : error.fix;
  const text = new DbshipError(error.code, error.message, { details: [...error.details], why: error.why, fix }).format();
  for (const line of localizeCommands(text, ctx.invocation).split('\n')) ctx.err(styleDiagnostic(line, ctx.style));
  if (error.code === 'INTERNAL' && ctx.env.DBSHIP_DEBUG) ctx.err(String((e as Error)?.stack));
  return error.exitCode;
}

/** On the local database (after a branch switch), starting over is the quickest way out. */
function localFix(error: DbshipError, inv: Invocation): string {
  const reset = commandLine(inv, 'reset');
  const upgrade = commandLine(inv, 'upgrade');
  return `this is your local development database: start it over with \`${reset}\` then \`${upgrade}\` (its data is lost), or, to keep it, ${error.fix ?? 'restore the files of the branch that migrated it'}`;
}

function asDbshipError(e: unknown, ctx: ReportContext): DbshipError {
  if (e instanceof DbshipError) return e;
  const code = sqlState(e);
  if (code) {
    // The server refused a query of dbship's own (not a migration's): say so, with its SQLSTATE.
    return new DbshipError('DATABASE_ERROR', `the database refused the request: ${(e as Error).message} (SQLSTATE ${code})`, {
      fix: code === SqlState.InsufficientPrivilege ? 'run as a role with the privilege named above (MIGRATE_DB_USER for migrations).' : 'check the server log for this SQLSTATE, then run again.',
    });
  }
  return new DbshipError('INTERNAL', (e as Error)?.message ?? String(e), {
    fix: 'this is a bug in dbship; please report it with the command you ran (DBSHIP_DEBUG=1 prints the stack).',
    cause: e,
  });
}
