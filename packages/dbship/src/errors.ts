import { ExitCode } from './exit-codes.js';

/**
 * The error catalog. Every error dbship raises is a {@link DbshipError} with a stable `code`,
 * a message that says what happened, `why` it happened, and `fix`: what to do next.
 * Messages never contain passwords, connection strings with passwords, or query parameters.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'PROJECT_MODULE_FAILED'
  | 'USAGE'
  | 'DB_UNREACHABLE'
  | 'LOCK_TIMEOUT'
  | 'MIGRATION_FAILED'
  | 'LOCK_RETRIES_EXHAUSTED'
  | 'CHECKSUM_MISMATCH'
  | 'MISSING_FILE'
  | 'OUT_OF_ORDER'
  | 'DATABASE_AHEAD'
  | 'MIGRATIONS_DIR_INVALID'
  | 'UNKNOWN_MIGRATION'
  | 'IRREVERSIBLE'
  | 'INVALID_INDEX'
  | 'EMBEDDED_UNAVAILABLE'
  | 'DATA_DIR_IN_USE'
  | 'GENERATE_FAILED'
  | 'PROBLEMS_FOUND'
  | 'INTERRUPTED'
  | 'DIVERGED'
  | 'CONNECTION_LOST'
  | 'INSUFFICIENT_PRIVILEGE'
  | 'DATABASE_ERROR'
  | 'CATALOG_READ_FAILED'
  | 'BASELINE_CONFLICT'
  | 'MODELS_INVALID'
  | 'CONFIRMATION_REQUIRED'
  | 'DECLINED'
  | 'RESET_REFUSED'
  | 'INTERNAL'
  | 'TRANSACTION_POOLER'
  | 'MIGRATION_REFUSED'
  | 'MIGRATIONS_DIR_MISSING'
  | 'DATABASE_READ_ONLY';

const exitCodes: Record<ErrorCode, ExitCode> = {
  CONFIG_INVALID: ExitCode.Usage,
  PROJECT_MODULE_FAILED: ExitCode.Usage,
  USAGE: ExitCode.Usage,
  DB_UNREACHABLE: ExitCode.Unreachable,
  LOCK_TIMEOUT: ExitCode.LockTimeout,
  MIGRATION_FAILED: ExitCode.MigrationFailed,
  LOCK_RETRIES_EXHAUSTED: ExitCode.MigrationFailed,
  CHECKSUM_MISMATCH: ExitCode.Integrity,
  MISSING_FILE: ExitCode.Integrity,
  OUT_OF_ORDER: ExitCode.Integrity,
  DATABASE_AHEAD: ExitCode.Integrity,
  MIGRATIONS_DIR_INVALID: ExitCode.Integrity,
  UNKNOWN_MIGRATION: ExitCode.Usage,
  IRREVERSIBLE: ExitCode.Usage,
  INVALID_INDEX: ExitCode.MigrationFailed,
  EMBEDDED_UNAVAILABLE: ExitCode.Usage,
  DATA_DIR_IN_USE: ExitCode.Usage,
  GENERATE_FAILED: ExitCode.Usage,
  // check, lint and drift findings, and generate's refusals (an unsafe statement, a rename): one class.
  PROBLEMS_FOUND: ExitCode.ProblemsFound,
  INTERRUPTED: ExitCode.MigrationFailed,
  DIVERGED: ExitCode.Integrity,
  CONNECTION_LOST: ExitCode.Unreachable,
  INSUFFICIENT_PRIVILEGE: ExitCode.Usage,
  DATABASE_ERROR: ExitCode.MigrationFailed,
  CATALOG_READ_FAILED: ExitCode.MigrationFailed,
  BASELINE_CONFLICT: ExitCode.Integrity,
  // The user's models do not load: their error, with file and line, not dbship's.
  MODELS_INVALID: ExitCode.Usage,
  // No terminal to ask and no --yes: the invocation is incomplete.
  CONFIRMATION_REQUIRED: ExitCode.Usage,
  DECLINED: ExitCode.Declined,
  RESET_REFUSED: ExitCode.Usage,
  INTERNAL: ExitCode.Internal,
  TRANSACTION_POOLER: ExitCode.Usage,
  MIGRATION_REFUSED: ExitCode.MigrationFailed,
  MIGRATIONS_DIR_MISSING: ExitCode.Usage,
  DATABASE_READ_ONLY: ExitCode.ReadOnly,
};

export interface DbshipErrorOptions {
  /** Why it happened (the cause in plain words). */
  why?: string;
  /** What to do next. */
  fix?: string;
  /** Extra lines shown under the message (e.g. an SQL excerpt with a caret). */
  details?: string[];
  cause?: unknown;
}

export class DbshipError extends Error {
  override readonly name = 'DbshipError';
  readonly code: ErrorCode;
  readonly why: string | undefined;
  readonly fix: string | undefined;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: DbshipErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.why = options.why;
    this.fix = options.fix;
    this.details = options.details ?? [];
  }

  /** The process exit code this error maps to (see `exit-codes.ts`). */
  get exitCode(): ExitCode {
    return exitCodes[this.code];
  }

  /** Multi-line human form: message, details, why, fix. */
  format(): string {
    const lines = [`error[${this.code}]: ${this.message}`, ...this.details.map((d) => `  ${d}`)];
    if (this.why) lines.push(`  why: ${this.why}`);
    if (this.fix) lines.push(`  fix: ${this.fix}`);
    return lines.join('\n');
  }
}

