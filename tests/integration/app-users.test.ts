import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, startTestApp, type TestApp } from '../helpers/app.js';

interface User {
  id: number;
  email: string;
  name: string | null;
  bio: string | null;
  createdAt: string;
  updatedAt: string;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

describe('users API', () => {
  let t: TestApp;
  before(async () => (t = await startTestApp('app_users')));
  after(async () => t.close());

  const post = (payload: unknown) => t.app.inject({ method: 'POST', url: '/users', payload: payload as object });
  const patch = (id: number | string, payload: unknown) => t.app.inject({ method: 'PATCH', url: `/users/${id}`, payload: payload as object });
  const get = (url: string) => t.app.inject({ method: 'GET', url });

  async function create(email: string, extra: Record<string, unknown> = {}): Promise<User> {
    const res = await post({ email, ...extra });
    assert.equal(res.statusCode, 201, res.body);
    return json<User>(res);
  }

  function assertError(res: { statusCode: number; body: string; headers: Record<string, unknown> }, status: number, code: string): ErrorBody {
    assert.equal(res.statusCode, status, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = json<ErrorBody>(res);
    assert.equal(body.error.code, code, res.body);
    assert.equal(typeof body.error.message, 'string');
    assert.ok(!/stack|\bat .*:\d+:\d+|\bselect\b.*\bfrom\b|insert into|update "|delete from|\$1/i.test(res.body), `internals in the body: ${res.body}`);
    return body;
  }

  describe('POST /users', () => {
    it('creates a user: 201, Location, normalised email, nulls for omitted fields', async () => {
      const res = await post({ email: '  Ann.Lee@Example.ORG ', name: 'Ann' });
      assert.equal(res.statusCode, 201, res.body);
      const user = json<User>(res);
      assert.equal(res.headers.location, `/users/${user.id}`);
      assert.equal(user.email, 'ann.lee@example.org');
      assert.equal(user.name, 'Ann');
      assert.equal(user.bio, null);
      assert.ok(Number.isInteger(user.id) && user.id > 0);
      assert.equal(new Date(user.createdAt).toISOString(), user.createdAt);
      assert.equal(user.updatedAt, user.createdAt);
      const stored = await t.db.query('SELECT email, name, bio FROM users WHERE id = $1', [user.id]);
      assert.deepEqual(stored.rows, [{ email: 'ann.lee@example.org', name: 'Ann', bio: null }]);
      const again = await get(String(res.headers.location));
      assert.equal(again.statusCode, 200);
      assert.deepEqual(json(again), user);
    });

    it('stores a bio', async () => {
      const user = await create('bio@example.org', { bio: 'Writes SQL.', name: null });
      assert.equal(user.bio, 'Writes SQL.');
      assert.equal(user.name, null);
    });

    it('refuses a duplicate email, in any case or spacing, with 409 EMAIL_TAKEN', async () => {
      await create('dup@example.org');
      const body = assertError(await post({ email: ' DUP@example.org' }), 409, 'EMAIL_TAKEN');
      assert.match(body.error.message, /already exists/);
      const { rows } = await t.db.query("SELECT count(*)::int AS n FROM users WHERE email = 'dup@example.org'");
      assert.equal(rows[0]!.n, 1);
    });

    const invalid: { title: string; payload: unknown; paths: string[] }[] = [
      { title: 'missing email', payload: { name: 'x' }, paths: ['body/email'] },
      { title: 'malformed email', payload: { email: 'not-an-address' }, paths: ['body/email'] },
      { title: 'email without a real domain', payload: { email: 'ann@localhost' }, paths: ['body/email'] },
      { title: 'email longer than 254 characters', payload: { email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.org` }, paths: ['body/email'] },
      { title: 'email of the wrong type', payload: { email: 42 }, paths: ['body/email'] },
      { title: 'empty name', payload: { email: 'n1@example.org', name: '' }, paths: ['body/name'] },
      { title: 'name too long', payload: { email: 'n2@example.org', name: 'x'.repeat(201) }, paths: ['body/name'] },
      { title: 'bio too long', payload: { email: 'n3@example.org', bio: 'x'.repeat(2001) }, paths: ['body/bio'] },
      { title: 'NUL character in a name (PostgreSQL text cannot hold it)', payload: { email: 'n6@example.org', name: 'a\u0000b' }, paths: ['body/name'] },
      { title: 'lone surrogate in a bio (it would be stored altered)', payload: { email: 'n7@example.org', bio: 'x\ud800' }, paths: ['body/bio'] },
      { title: 'unknown field', payload: { email: 'n4@example.org', nickname: 'x' }, paths: ['body/nickname'] },
      { title: 'several problems at once', payload: { email: 'bad', name: 7, extra: true }, paths: ['body/extra', 'body/email', 'body/name'] },
      { title: 'an array instead of an object', payload: [{ email: 'n5@example.org' }], paths: ['body'] },
    ];
    for (const c of invalid) {
      it(`400 VALIDATION_FAILED: ${c.title}`, async () => {
        const body = assertError(await post(c.payload), 400, 'VALIDATION_FAILED');
        assert.deepEqual(body.error.details?.map((d) => d.path).sort(), [...c.paths].sort());
      });
    }

    it('400 INVALID_JSON for a body that is not JSON, 415 for another content type', async () => {
      const broken = await t.app.inject({ method: 'POST', url: '/users', headers: { 'content-type': 'application/json' }, payload: '{"email": ' });
      assertError(broken, 400, 'INVALID_JSON');
      const empty = await t.app.inject({ method: 'POST', url: '/users', headers: { 'content-type': 'application/json' }, payload: '' });
      assertError(empty, 400, 'INVALID_JSON');
      const xml = await t.app.inject({ method: 'POST', url: '/users', headers: { 'content-type': 'application/xml' }, payload: '<email>a@b.org</email>' });
      assertError(xml, 415, 'UNSUPPORTED_MEDIA_TYPE');
      // Fastify parses text/plain as a string: the schema then says what is wrong.
      const text = await t.app.inject({ method: 'POST', url: '/users', headers: { 'content-type': 'text/plain' }, payload: 'email=a@b.org' });
      assertError(text, 400, 'VALIDATION_FAILED');
    });

    it('413 PAYLOAD_TOO_LARGE for a huge body, before parsing it', async () => {
      assertError(await post({ email: 'big@example.org', bio: 'x'.repeat(100_000) }), 413, 'PAYLOAD_TOO_LARGE');
    });
  });

  describe('GET /users/:id', () => {
    it('404 USER_NOT_FOUND for an id that does not exist', async () => {
      const body = assertError(await get('/users/987654321'), 404, 'USER_NOT_FOUND');
      assert.match(body.error.message, /987654321/);
    });

    for (const id of ['abc', '0', '-1', '1.5', '1e3', '0x10', '99999999999999999999', '9007199254740993']) {
      it(`400 for the id "${id}"`, async () => {
        const body = assertError(await get(`/users/${id}`), 400, 'VALIDATION_FAILED');
        assert.deepEqual(body.error.details?.map((d) => d.path), ['params/id']);
      });
    }
  });

  describe('PATCH /users/:id', () => {
    it('changes only the given fields and stamps updatedAt', async () => {
      const user = await create('patch@example.org', { name: 'Before', bio: 'kept' });
      await t.db.query("UPDATE users SET updated_at = now() - interval '1 hour', created_at = now() - interval '1 hour' WHERE id = $1", [user.id]);
      const old = json<User>(await get(`/users/${user.id}`));
      const res = await patch(user.id, { name: 'After' });
      assert.equal(res.statusCode, 200, res.body);
      const changed = json<User>(res);
      assert.deepEqual({ ...changed, updatedAt: old.updatedAt }, { ...old, name: 'After' });
      assert.ok(new Date(changed.updatedAt) > new Date(old.updatedAt), 'updatedAt moved forward');
      assert.equal(changed.createdAt, old.createdAt);
    });

    it('sets a field to null and normalises a new email', async () => {
      const user = await create('patch2@example.org', { name: 'Named', bio: 'Bio' });
      const changed = json<User>(await patch(user.id, { name: null, email: ' Patch2.New@EXAMPLE.org ' }));
      assert.equal(changed.name, null);
      assert.equal(changed.bio, 'Bio');
      assert.equal(changed.email, 'patch2.new@example.org');
    });

    it('409 when the new email belongs to another user; nothing changes', async () => {
      const a = await create('taken-a@example.org');
      const b = await create('taken-b@example.org', { name: 'B' });
      assertError(await patch(b.id, { email: 'TAKEN-A@example.org', name: 'changed' }), 409, 'EMAIL_TAKEN');
      assert.deepEqual(json(await get(`/users/${b.id}`)), b);
      assert.ok(a.id !== b.id);
    });

    it('400 for an empty patch or an unknown field, 404 for a missing user', async () => {
      const user = await create('patch3@example.org');
      const empty = assertError(await patch(user.id, {}), 400, 'VALIDATION_FAILED');
      assert.deepEqual(empty.error.details, [{ path: 'body', message: 'must contain at least one field' }]);
      assertError(await patch(user.id, { id: 5 }), 400, 'VALIDATION_FAILED');
      assertError(await patch(user.id, { createdAt: '2020-01-01T00:00:00Z' }), 400, 'VALIDATION_FAILED');
      assertError(await patch(987654321, { name: 'x' }), 404, 'USER_NOT_FOUND');
    });
  });

  describe('DELETE /users/:id', () => {
    it('204 with no body, then 404 for both reading and deleting again', async () => {
      const user = await create('delete@example.org');
      const res = await t.app.inject({ method: 'DELETE', url: `/users/${user.id}` });
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, '');
      assertError(await get(`/users/${user.id}`), 404, 'USER_NOT_FOUND');
      assertError(await t.app.inject({ method: 'DELETE', url: `/users/${user.id}` }), 404, 'USER_NOT_FOUND');
      assertError(await t.app.inject({ method: 'DELETE', url: '/users/x' }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('unknown routes', () => {
    for (const [method, url] of [['GET', '/nope'], ['PUT', '/users/1'], ['POST', '/users/1'], ['GET', '/users/1/friends']] as const) {
      it(`${method} ${url}: 404 ROUTE_NOT_FOUND as JSON`, async () => {
        const body = assertError(await t.app.inject({ method, url }), 404, 'ROUTE_NOT_FOUND');
        assert.match(body.error.message, /\/docs/);
      });
    }
  });

  describe('logs', () => {
    it('one line per request with method, path and status; no bodies, query strings or emails', async () => {
      await post({ email: 'log-secret@example.org', name: 'Private Name' });
      await post({ email: 'log-secret@example.org' });
      await get('/users?limit=1&after=bG9nLXNlY3JldA');
      const text = t.logs.text();
      for (const secret of ['log-secret', 'Private Name', 'limit=1', 'bG9nLXNlY3JldA']) {
        assert.ok(!text.includes(secret), `the logs contain "${secret}"`);
      }
      const completed = t.logs.lines().filter((l) => l.msg === 'request completed');
      assert.ok(completed.some((l) => l.method === 'POST' && l.path === '/users' && l.status === 409 && typeof l.ms === 'number'));
      assert.ok(completed.some((l) => l.method === 'GET' && l.path === '/users' && l.route === '/users'));
    });
  });
});
