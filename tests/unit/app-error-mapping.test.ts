import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DrizzleQueryError } from 'drizzle-orm';
import pg from 'pg';
import { classifyDbError, loggableError, type DbFailureKind } from '../../src/app/db-errors.js';
import { mapError, validationDetails, type ValidationIssue } from '../../src/app/error-mapping.js';
import { ApiError } from '../../src/app/http-errors.js';
import { STORABLE_TEXT } from '../../src/app/users/schemas.js';

const SECRET = 'secret-param@example.org';

function serverError(code: string, extra: Record<string, unknown> = {}): pg.DatabaseError {
  const err = new pg.DatabaseError(`value "${SECRET}" rejected`, 0, 'error');
  Object.assign(err, { code, detail: `Key (email)=(${SECRET}) already exists.`, ...extra });
  return err;
}
function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: 'connect' });
}
const wrap = (cause: Error) => new DrizzleQueryError('insert into "users" ("email") values ($1)', [SECRET], cause);

describe('classifyDbError', () => {
  const cases: [string, unknown, DbFailureKind | undefined][] = [
    ['unique violation (wrapped)', wrap(serverError('23505')), 'unique-violation'],
    ['unique violation (bare)', serverError('23505'), 'unique-violation'],
    ['connection refused (wrapped)', wrap(networkError('ECONNREFUSED')), 'unavailable'],
    ['connection refused (bare)', networkError('ECONNREFUSED'), 'unavailable'],
    ['connection lost: driver error without SQLSTATE', wrap(new Error('Connection terminated unexpectedly')), 'unavailable'],
    ['pool checkout timeout', wrap(new Error('timeout exceeded when trying to connect')), 'unavailable'],
    ['server shutting down (57P01)', wrap(serverError('57P01')), 'unavailable'],
    ['server starting up (57P03)', wrap(serverError('57P03')), 'unavailable'],
    ['connection failure class 08', wrap(serverError('08006')), 'unavailable'],
    ['too many connections (53300)', wrap(serverError('53300')), 'unavailable'],
    ['statement timeout (57014)', wrap(serverError('57014')), 'unavailable'],
    ['undefined column (42703): a bug, not an outage', wrap(serverError('42703')), 'other'],
    ['check violation (23514)', wrap(serverError('23514')), 'other'],
    ['a programming error', new TypeError('x is not a function'), undefined],
    ['not an error at all', 'boom', undefined],
  ];
  for (const [title, err, kind] of cases) it(title, () => assert.equal(classifyDbError(err)?.kind, kind));
});

describe('mapError', () => {
  const cases: { title: string; err: unknown; status: number; code: string; serverSide: boolean }[] = [
    { title: 'an ApiError as it is', err: new ApiError('EMAIL_TAKEN', 'taken'), status: 409, code: 'EMAIL_TAKEN', serverSide: false },
    { title: 'invalid JSON', err: Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }), status: 400, code: 'INVALID_JSON', serverSide: false },
    { title: 'empty JSON body', err: Object.assign(new Error('x'), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 }), status: 400, code: 'INVALID_JSON', serverSide: false },
    { title: 'unsupported media type', err: Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', serverSide: false },
    { title: 'body too large', err: Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), status: 413, code: 'PAYLOAD_TOO_LARGE', serverSide: false },
    { title: 'another Fastify client error', err: Object.assign(new Error(`'/${SECRET}' is not a valid url component`), { code: 'FST_ERR_BAD_URL', statusCode: 400 }), status: 400, code: 'BAD_REQUEST', serverSide: false },
    { title: 'database outage', err: wrap(networkError('ECONNREFUSED')), status: 503, code: 'DATABASE_UNAVAILABLE', serverSide: true },
    { title: 'other database error', err: wrap(serverError('42703')), status: 500, code: 'INTERNAL', serverSide: true },
    { title: 'a bug', err: new TypeError('cannot read properties of undefined'), status: 500, code: 'INTERNAL', serverSide: true },
  ];
  for (const t of cases) {
    it(`${t.title} -> ${t.status} ${t.code}`, () => {
      const { error, serverSide } = mapError(t.err, 'req-7');
      assert.equal(error.statusCode, t.status);
      assert.equal(error.code, t.code);
      assert.equal(serverSide, t.serverSide);
      const body = JSON.stringify(error.toBody());
      assert.ok(!body.includes(SECRET), `the body leaks a value: ${body}`);
      assert.ok(!/insert into|stack|at .*\.js/i.test(body), `the body leaks internals: ${body}`);
    });
  }

  it('an internal error names the request id so that operators can find the log line', () => {
    assert.match(mapError(new Error('x'), 'req-7').error.message, /request id req-7/);
  });

  it('a validation failure lists every field', () => {
    const err = Object.assign(new Error('x'), {
      statusCode: 400, validationContext: 'body',
      validation: [
        { keyword: 'required', instancePath: '', params: { requiredProperties: ['email'] } },
        { keyword: 'maxLength', instancePath: '/name', params: { limit: 200 }, message: 'must not have more than 200 characters' },
      ],
    });
    const { error } = mapError(err, 'r');
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.deepEqual(error.details, [
      { path: 'body/email', message: 'is required' },
      { path: 'body/name', message: 'must not have more than 200 characters' },
    ]);
  });
});

describe('validationDetails', () => {
  const union: ValidationIssue[] = [
    { keyword: 'type', instancePath: '/name', params: { type: 'string' }, message: 'must be string' },
    { keyword: 'type', instancePath: '/name', params: { type: 'null' }, message: 'must be null' },
    { keyword: 'anyOf', instancePath: '/name', params: {}, message: 'must match a schema in anyOf' },
  ];
  const cases: { title: string; issues: ValidationIssue[]; context: string; expected: { path: string; message: string }[] }[] = [
    { title: 'a failed union becomes one "or" line', issues: union, context: 'body', expected: [{ path: 'body/name', message: 'must be string or must be null' }] },
    {
      title: 'unknown fields are named (the duplicate "schema is false" is dropped)',
      issues: [
        { keyword: 'boolean', instancePath: '/nmae', params: {}, message: 'schema is false' },
        { keyword: 'additionalProperties', instancePath: '', params: { additionalProperties: ['nmae'] }, message: 'must not have additional properties' },
      ],
      context: 'body',
      expected: [{ path: 'body/nmae', message: 'is not a known field' }],
    },
    {
      title: 'text PostgreSQL cannot store is explained, not shown as a regular expression',
      issues: [
        { keyword: 'pattern', instancePath: '/bio', params: { pattern: STORABLE_TEXT }, message: `must match pattern "${STORABLE_TEXT}"` },
        { keyword: 'type', instancePath: '/bio', params: { type: 'null' }, message: 'must be null' },
        { keyword: 'anyOf', instancePath: '/bio', params: {}, message: 'must match a schema in anyOf' },
      ],
      context: 'body',
      expected: [{ path: 'body/bio', message: 'must not contain a NUL character or a lone UTF-16 surrogate or must be null' }],
    },
    { title: 'querystring is called query', issues: [{ keyword: 'minimum', instancePath: '/limit', params: { limit: 1 }, message: 'must be >= 1' }], context: 'querystring', expected: [{ path: 'query/limit', message: 'must be >= 1' }] },
    { title: 'an empty PATCH', issues: [{ keyword: 'minProperties', instancePath: '', params: { limit: 1 }, message: 'must not have fewer than 1 properties' }], context: 'body', expected: [{ path: 'body', message: 'must contain at least one field' }] },
  ];
  for (const t of cases) it(t.title, () => assert.deepEqual(validationDetails(t.issues, t.context), t.expected));
});

describe('loggableError', () => {
  it('keeps the SQL text, SQLSTATE and constraint but no parameter, server message or detail', () => {
    const logged = loggableError(wrap(serverError('23505', { constraint: 'users_email_unique', table: 'users' })));
    assert.ok(!JSON.stringify(logged).includes(SECRET), JSON.stringify(logged));
    assert.deepEqual(logged, {
      type: 'DrizzleQueryError',
      query: 'insert into "users" ("email") values ($1)',
      cause: { type: 'DatabaseError', sqlState: '23505', table: 'users', constraint: 'users_email_unique' },
    });
  });
});
