import { DrizzleQueryError } from 'drizzle-orm';
import { sqlState, SqlState, isConnectionState } from 'dbship/service';

/** What a failed database call means for the request. */
export type DbFailureKind = 'unique-violation' | 'unavailable' | 'other';

export interface DbFailure {
  readonly kind: DbFailureKind;
  /** The SQLSTATE, when the server answered. */
  readonly sqlState: string | undefined;
  /** The driver's own error (drizzle's wrapper removed). */
  readonly cause: unknown;
}

/**
 * Classifies an error thrown by a database call, by SQLSTATE, never by message text. Drizzle wraps
 * every driver error in a `DrizzleQueryError` whose message holds the query parameters; only its
 * `cause` is looked at. A driver error without an SQLSTATE means no answer came from the server
 * (connection refused, lost, pool checkout timed out): the database is unavailable. Returns
 * undefined for an error that did not come from a database call.
 */
export function classifyDbError(err: unknown): DbFailure | undefined {
  const wrapped = err instanceof DrizzleQueryError;
  const cause = wrapped ? err.cause : err;
  const state = sqlState(cause);
  if (state === undefined) {
    return wrapped || isNetworkError(cause) ? { kind: 'unavailable', sqlState: undefined, cause } : undefined;
  }
  if (state === SqlState.UniqueViolation) return { kind: 'unique-violation', sqlState: state, cause };
  if (isConnectionState(state) || state === SqlState.QueryCanceled) return { kind: 'unavailable', sqlState: state, cause };
  return { kind: 'other', sqlState: state, cause };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/** Server error fields that name schema objects, never values. */
const SAFE_PG_FIELDS = ['severity', 'schema', 'table', 'column', 'constraint', 'dataType', 'routine', 'position'] as const;

/**
 * An error as it may be logged: no query parameters (drizzle's message, the server's `detail`,
 * and the server's message, which can quote a value, are left out), SQL text kept.
 */
export function loggableError(err: unknown): Record<string, unknown> {
  if (err instanceof DrizzleQueryError) {
    return { type: 'DrizzleQueryError', query: err.query, cause: loggableError(err.cause) };
  }
  const state = sqlState(err);
  if (state !== undefined) {
    const e = err as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = { type: 'DatabaseError', sqlState: state };
    for (const k of SAFE_PG_FIELDS) if (e[k] !== undefined) out[k] = e[k];
    return out;
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { type: err.name, message: err.message, ...(code === undefined ? {} : { code }), stack: err.stack };
  }
  return { type: typeof err, message: String(err) };
}
