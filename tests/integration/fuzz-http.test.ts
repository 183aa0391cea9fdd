import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type pg from 'pg';
import { buildApp, type App } from '../../src/app/app.js';
import { createPool } from '../../packages/dbship/src/db/pool.js';
import { createLogger } from '../../packages/dbship/src/logger.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ROOT } from '../helpers/migrations.js';

/**
 * Property-based fuzzing of every HTTP route through `inject()` against a real database: no input
 * yields a 5xx or leaks a stack trace or a file path, and text that looks like SQL or is any
 * Unicode is stored and returned exactly as sent. Runs are bounded (fast-check numRuns).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const STACK = /\n\s+at .+:\d+:\d+|node_modules|\/src\/|\.ts:\d+/;

/** Text an attacker or an unusual user would send: SQL fragments, quotes, escapes, any script. */
const tricky = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  fc.constantFrom(
    "'; DROP TABLE users; --", "Robert'); DROP TABLE students;--", "' OR '1'='1", '" OR ""="', '$1', '$$; SELECT 1; $$',
    '\\x00', '\\', '%s%n', '${7*7}', '{{7*7}}', '<script>alert(1)</script>', 'NULL', 'null', '\u202e\u0645\u0631\u062d\u0628\u0627', '🧑🏽‍💻 Zoë Ångström',
    '\uFEFFbom', 'a\r\nb', '\t tabbed', '\u{1F4A9}'.repeat(30),
  ),
).filter((s) => !s.includes('\u0000'));

const anyJson = fc.jsonValue({ maxDepth: 3 });
const idSegment = fc.oneof(
  fc.integer({ min: -10, max: 100 }).map(String),
  fc.constantFrom('0', '-1', '1.5', '1e3', '9007199254740993', '99999999999999999999999', 'NaN', 'null', '%00', '1;DROP TABLE users', "1'", ''),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);
const queryValue = fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map(String), fc.constantFrom('0', '101', '-1', '20', 'abc', "' OR 1=1 --")).map(encodeURIComponent);

describe('HTTP fuzzing: every route, arbitrary input', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let app: App;

  before(async () => {
    db = await createTestDatabase('fuzz');
    const config = testConfig(db, path.join(ROOT, 'migrations'));
    await upgrade(config);
    pool = createPool(config.db!, { max: 5 });
    app = buildApp(config, { pool, logger: createLogger('silent') });
    await app.ready();
  });

  after(async () => {
    await app.close();
    await pool.end();
    await db.drop();
  });

  /** Sends a request; asserts no 5xx, a JSON (or empty) body, and nothing internal in it. */
  async function send(method: string, url: string, payload?: string, contentType = 'application/json'): Promise<{ status: number; body: unknown }> {
    const res = await app.inject({ method: method as 'GET', url, ...(payload === undefined ? {} : { payload, headers: { 'content-type': contentType } }) });
    assert.ok(res.statusCode < 500, `${method} ${url} ${payload ?? ''} -> ${res.statusCode}: ${res.body}`);
    assert.doesNotMatch(res.body, STACK, `${method} ${url}: the response shows internals`);
    let body: unknown = null;
    if (res.body !== '' && !url.startsWith('/docs')) body = JSON.parse(res.body);
    return { status: res.statusCode, body };
  }

  it('POST /users: arbitrary JSON bodies and raw payloads never yield a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyJson.map((v) => JSON.stringify(v)),
          fc.record({ email: fc.oneof(fc.emailAddress(), tricky), name: fc.oneof(tricky, fc.constant(null), anyJson), bio: fc.oneof(tricky, fc.constant(null), anyJson) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
          fc.string({ maxLength: 60 }),
        ),
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'),
        async (payload, contentType) => {
          const { status } = await send('POST', '/users', payload, contentType);
          assert.ok([201, 400, 409, 413, 415].includes(status), `unexpected ${status}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('edge payloads PostgreSQL or JSON cannot hold are refused with a 4xx, never a 5xx', async () => {
    const cases: [string, string][] = [
      ['a body over the 64 KiB limit', JSON.stringify({ email: 'big@example.org', bio: 'x'.repeat(70_000) })],
      ['deeply nested JSON', `${'['.repeat(5000)}${']'.repeat(5000)}`],
      ['a prototype-pollution key', '{"email":"pp@example.org","__proto__":{"admin":true}}'],
      ['truncated JSON', '{"email":"t@example.org","name":'],
    ];
    for (const [label, payload] of cases) {
      const { status } = await send('POST', '/users', payload);
      assert.ok(status >= 400 && status < 500, `${label}: ${status}`);
    }
  });

  it('regression: a NUL answered 500 (SQLSTATE 22021) and a lone surrogate was stored as U+FFFD; both are refused with 400', async () => {
    for (const payload of [{ email: 'nul@example.org', name: 'a\u0000b' }, { email: 'nul2@example.org', bio: '\u0000' }, { email: 'ls@example.org', name: '\ud800' }]) {
      const { status } = await send('POST', '/users', JSON.stringify(payload));
      assert.equal(status, 400, JSON.stringify(payload));
    }
    const { status } = await send('POST', '/users', JSON.stringify({ email: 'nul3@example.org' }));
    assert.equal(status, 201);
    assert.equal((await send('PATCH', '/users/1', JSON.stringify({ name: '\u0000' }))).status, 400);
  });

  it('POST then GET: SQL-looking and Unicode names and bios are stored and returned verbatim', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(tricky, fc.oneof(tricky, fc.constant(null)), async (name, bio) => {
        const email = `fuzz-${process.pid}-${n++}@example.org`;
        const created = await send('POST', '/users', JSON.stringify({ email, name, bio }));
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const user = created.body as { id: number; email: string; name: string; bio: string | null };
        assert.deepEqual({ email: user.email, name: user.name, bio: user.bio }, { email, name, bio });
        const read = await send('GET', `/users/${user.id}`);
        assert.equal(read.status, 200);
        assert.deepEqual(read.body, created.body);
        const stored = await db.query('SELECT name, bio FROM users WHERE id = $1', [user.id]);
        assert.deepEqual(stored.rows[0], { name, bio });
      }),
      { numRuns: RUNS },
    );
    const tables = await db.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'users'");
    assert.equal(tables.rows[0]!.n, 1, 'the users table survived');
  });

  it('GET /users/:id, PATCH and DELETE with arbitrary ids and bodies never yield a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(idSegment, fc.oneof(anyJson.map((v) => JSON.stringify(v)), fc.record({ name: tricky, bio: tricky, email: fc.emailAddress() }, { requiredKeys: [] }).map((v) => JSON.stringify(v))), async (id, payload) => {
        await send('GET', `/users/${id}`);
        await send('PATCH', `/users/${id}`, payload);
        await send('DELETE', `/users/${id}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('GET /users with arbitrary limit, cursor and unknown parameters never yields a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('limit', 'after', 'x', 'limit[]', 'after[0]'), queryValue), { maxLength: 4 }), async (pairs) => {
        const qs = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');
        const { status } = await send('GET', `/users${qs ? `?${qs}` : ''}`);
        assert.ok([200, 400].includes(status), `unexpected ${status}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('any method on any path (including health, readiness and the docs) never yields a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
        fc.oneof(
          fc.constantFrom('/healthz', '/readyz', '/openapi.json', '/docs', '/users', '/users/1', '/users/1/x', '//users', '/users/../users'),
          fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
          fc.string({ maxLength: 30 }).map((s) => `/${encodeURIComponent(s)}`),
        ),
        async (method, url) => {
          const res = await app.inject({ method: method as 'GET', url });
          assert.ok(res.statusCode < 500, `${method} ${url} -> ${res.statusCode}: ${res.body}`);
          assert.doesNotMatch(res.body.startsWith('<') ? '' : res.body, STACK);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
