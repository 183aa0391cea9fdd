/**
 * The one table of `dbship` exit codes. Every command maps its outcome to one of these;
 * nothing else in the project picks a process exit status.
 */
export const ExitCode = {
  /** Success, including "nothing to do". */
  Ok: 0,
  /** A migration failed (SQL error); nothing of that migration is left applied. */
  MigrationFailed: 1,
  /** Usage or configuration error. */
  Usage: 2,
  /** The database was not reachable within the deadline. */
  Unreachable: 3,
  /** The migration lock was not acquired within the deadline. */
  LockTimeout: 4,
  /** Integrity: changed, missing or out-of-order migration files. */
  Integrity: 5,
  /** `check`, `lint` or `drift` found problems. */
  ProblemsFound: 6,
  /** Pending migrations exist (`status --exit-code`). */
  Pending: 7,
  /** The database accepts only reads: a hot standby, or `default_transaction_read_only` is on. */
  ReadOnly: 8,
  /**
   * A person at the terminal answered no to a destructive command's question (or pressed Ctrl-C
   * at it): nothing was changed. Not 0, so that `dbship downgrade && ...` stops there.
   */
  Declined: 9,
  /**
   * An internal error: a bug in dbship, never a verdict on the migrations or the database
   * (70 is EX_SOFTWARE in sysexits.h, so it cannot be mistaken for any code above).
   */
  Internal: 70,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
