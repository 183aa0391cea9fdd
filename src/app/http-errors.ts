import { Type, type Static } from 'typebox';

/**
 * The API's error catalog: every error response is `{ error: { code, message, details? } }` with
 * one of these stable codes (clients branch on the code, never on the message) and its status.
 */
export const API_ERRORS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  INVALID_CURSOR: 400,
  BAD_REQUEST: 400,
  USER_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  EMAIL_TAKEN: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  DATABASE_UNAVAILABLE: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** One problem with one part of a request, e.g. `{ path: 'body/email', message: 'must be ...' }`. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

/** An error the API answers with; its message says what happened and what to do. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly details: readonly ErrorDetail[] | undefined;

  constructor(code: ApiErrorCode, message: string, options: { details?: readonly ErrorDetail[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  get statusCode(): number {
    return API_ERRORS[this.code];
  }

  /** The response body. Never includes a stack, SQL, or a value the client sent. */
  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    if (this.details && this.details.length > 0) error.details = [...this.details];
    return { error };
  }
}

export const ErrorDetailSchema = Type.Object({
  path: Type.String({ description: 'Which part of the request, e.g. `body/email`, `query/limit`, `params/id`.' }),
  message: Type.String(),
});

/** The body of every error response. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Enum(Object.keys(API_ERRORS) as ApiErrorCode[], { description: 'Stable machine-readable code.' }),
      message: Type.String({ description: 'What happened and what to do; for humans, may change.' }),
      details: Type.Optional(Type.Array(ErrorDetailSchema)),
    }),
  },
  { title: 'ErrorResponse' },
);

export type ErrorBody = Static<typeof ErrorBodySchema>;

/** The error body schema with the description an OpenAPI response shows. */
export function errorResponse(description: string): typeof ErrorBodySchema {
  return Type.Object(ErrorBodySchema.properties, { title: 'ErrorResponse', description });
}

/** `404 USER_NOT_FOUND` for a user id. */
export function userNotFound(id: number): ApiError {
  return new ApiError('USER_NOT_FOUND', `user ${id} does not exist (it may have been deleted); list users with GET /users`);
}
