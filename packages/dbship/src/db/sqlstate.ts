/**
 * PostgreSQL errors as data: every SQLSTATE this project maps on, by name, and the classification
 * of connection failures. Failures are told apart by SQLSTATE, never by message text
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html). No other file spells a code.
 */

/** The SQLSTATE of a node-postgres / server error, or undefined for anything else. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** The SQLSTATEs this project maps on. */
export const SqlState = {
  // Class 23: integrity constraint violation
  UniqueViolation: '23505',
  CheckViolation: '23514',
  // Class 25: invalid transaction state
  ActiveSqlTransaction: '25001',
  ReadOnlySqlTransaction: '25006',
  IdleInTransactionSessionTimeout: '25P03',
  // Class 28: invalid authorization specification
  InvalidAuthorization: '28000',
  InvalidPassword: '28P01',
  // Class 3D / 3F: invalid catalog / schema name
  InvalidCatalogName: '3D000',
  InvalidSchemaName: '3F000',
  // Class 42: syntax error or access rule violation
  InsufficientPrivilege: '42501',
  UndefinedTable: '42P01',
  UndefinedObject: '42704',
  DuplicateDatabase: '42P04',
  // Class 53: insufficient resources
  DiskFull: '53100',
  TooManyConnections: '53300',
  // Class 55 / 57: object not in prerequisite state, operator intervention
  LockNotAvailable: '55P03',
  QueryCanceled: '57014',
  AdminShutdown: '57P01',
  CrashShutdown: '57P02',
  CannotConnectNow: '57P03',
} as const;

/** True for a missing tracking table or schema: "nothing recorded yet", not a failure. */
export function isUndefinedRelation(err: unknown): boolean {
  const state = sqlState(err);
  return state === SqlState.UndefinedTable || state === SqlState.InvalidSchemaName;
}

/** SQLSTATEs meaning "the server cannot serve us now", not "the query is wrong". */
export function isConnectionState(state: string): boolean {
  return (
    state.startsWith('08') || // connection exception
    state.startsWith('53') || // insufficient resources
    state.startsWith('28') || // authorization
    state === SqlState.AdminShutdown ||
    state === SqlState.CrashShutdown ||
    state === SqlState.CannotConnectNow ||
    state === SqlState.InvalidCatalogName
  );
}

const REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (server not running or not listening yet)',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  ETIMEDOUT: 'connection timed out',
  ECONNRESET: 'connection reset by the server',
  [SqlState.CannotConnectNow]: 'the server is starting up or shutting down',
  [SqlState.InvalidCatalogName]: 'the database does not exist',
  [SqlState.InvalidPassword]: 'password authentication failed',
  [SqlState.InvalidAuthorization]: 'the server refused this user (pg_hba.conf or role)',
  [SqlState.TooManyConnections]: 'too many connections',
};

/** A short reason for a failed connection attempt, never containing the password. */
export function connectionReason(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: { code?: string }[] };
  const code = e?.code ?? e?.errors?.[0]?.code;
  if (code && REASONS[code]) return REASONS[code]!;
  const state = sqlState(err);
  return state ? `SQLSTATE ${state}` : (e?.message ?? 'unknown error').replace(/postgres(ql)?:\/\/[^\s]*/g, '<url>');
}
