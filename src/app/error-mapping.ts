import { SqlState } from 'dbship/service';
import { classifyDbError } from './db-errors.js';
import { ApiError, type ErrorDetail } from './http-errors.js';
import { STORABLE_TEXT } from './users/schemas.js';

/** The shape of one schema validation problem (Ajv-compatible, as TypeBox reports it). */
export interface ValidationIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params?: Record<string, unknown>;
  readonly message?: string;
}

interface FrameworkError {
  code?: unknown;
  statusCode?: unknown;
  validation?: ValidationIssue[];
  validationContext?: string;
}

/** What the error handler answers, and whether the failure deserves an error log line. */
export interface MappedError {
  readonly error: ApiError;
  /** True for failures of the service itself (500, 503), false for client mistakes. */
  readonly serverSide: boolean;
}

/**
 * Maps anything a route can throw to an {@link ApiError}: our own errors as they are, schema
 * validation failures to `400 VALIDATION_FAILED` with one detail per field, Fastify's body
 * parsing errors to their 4xx codes, database failures by SQLSTATE (outage: `503`), and
 * everything else to `500 INTERNAL` naming the request id, with no internals in the body.
 */
export function mapError(err: unknown, requestId: string): MappedError {
  if (err instanceof ApiError) return { error: err, serverSide: err.statusCode >= 500 };
  const fe = (err ?? {}) as FrameworkError;
  if (Array.isArray(fe.validation)) {
    const details = validationDetails(fe.validation, fe.validationContext ?? 'request');
    return clientError('VALIDATION_FAILED', `the request is invalid (${details.map((d) => d.path).join(', ')}); see details, and the API documentation at /docs`, details);
  }
  const framework = frameworkError(fe);
  if (framework) return { error: framework, serverSide: false };
  const db = classifyDbError(err);
  if (db?.kind === 'unavailable' && db.sqlState === SqlState.QueryCanceled) {
    return {
      error: new ApiError('DATABASE_UNAVAILABLE', 'the database did not answer within the statement timeout (a table may be locked by a migration or a long transaction); retry shortly (the service reports this on /readyz too)', { cause: err }),
      serverSide: true,
    };
  }
  if (db?.kind === 'unavailable') {
    return {
      error: new ApiError('DATABASE_UNAVAILABLE', 'the database is unavailable; retry shortly (the service reports this on /readyz too)', { cause: err }),
      serverSide: true,
    };
  }
  return {
    error: new ApiError('INTERNAL', `internal error (request id ${requestId}); it has been logged, retry later or report the request id`, { cause: err }),
    serverSide: true,
  };
}

function clientError(code: ApiError['code'], message: string, details?: ErrorDetail[]): MappedError {
  return { error: new ApiError(code, message, details ? { details } : {}), serverSide: false };
}

function frameworkError(fe: FrameworkError): ApiError | undefined {
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('INVALID_JSON', 'the request body is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('INVALID_JSON', 'the request body is empty although Content-Type is application/json; send a JSON object');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'unsupported Content-Type; send the body as application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PAYLOAD_TOO_LARGE', 'the request body is too large');
  }
  // Any other error Fastify itself marks as the client's (bad URL encoding, bad content length);
  // its message can quote the URL, so only the code is passed on.
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 0;
  if (status >= 400 && status < 500 && typeof fe.code === 'string' && fe.code.startsWith('FST_')) {
    return new ApiError('BAD_REQUEST', `the request is malformed (${fe.code}); check its URL encoding and headers`);
  }
  return undefined;
}

const CONTEXT_NAMES: Record<string, string> = { querystring: 'query', params: 'params', body: 'body', headers: 'headers' };

/**
 * One detail per offending field. A union (`string | null`) failing reports each branch plus an
 * `anyOf` summary; those are folded into one "must be X or must be Y" line. Messages name
 * limits and types, never the value sent.
 */
export function validationDetails(issues: readonly ValidationIssue[], context: string): ErrorDetail[] {
  const base = CONTEXT_NAMES[context] ?? context;
  const byPath = new Map<string, string[]>();
  const add = (path: string, message: string) => {
    const list = byPath.get(path) ?? [];
    if (!list.includes(message)) list.push(message);
    byPath.set(path, list);
  };
  const unions = new Set(issues.filter((i) => i.keyword === 'anyOf').map((i) => i.instancePath));
  for (const issue of issues) {
    const path = `${base}${issue.instancePath}`;
    const names = (key: string) => (Array.isArray(issue.params?.[key]) ? (issue.params[key] as unknown[]).map(String) : []);
    if (issue.keyword === 'boolean' || issue.keyword === 'anyOf') continue;
    if (issue.keyword === 'required') for (const n of names('requiredProperties')) add(`${path}/${n}`, 'is required');
    else if (issue.keyword === 'additionalProperties') for (const n of names('additionalProperties')) add(`${path}/${n}`, 'is not a known field');
    else if (issue.keyword === 'minProperties' && issue.params?.limit === 1) add(path, 'must contain at least one field');
    else if (issue.keyword === 'pattern' && issue.params?.pattern === STORABLE_TEXT) add(path, 'must not contain a NUL character or a lone UTF-16 surrogate');
    else add(path, issue.message ?? `fails "${issue.keyword}"`);
  }
  return [...byPath].map(([path, messages]) => ({
    path,
    message: unions.has(path.slice(base.length)) ? messages.join(' or ') : messages.join('; '),
  }));
}
