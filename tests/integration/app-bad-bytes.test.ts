import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, startTestApp, type TestApp } from '../helpers/app.js';

/**
 * Bytes the API cannot take as sent: a body that is not UTF-8 (it used to be stored with U+FFFD,
 * although the API promises text exactly as sent), and a URL Fastify cannot decode (it used to
 * answer in Fastify's own error shape).
 */
describe('request bytes', () => {
  let t: TestApp;
  before(async () => (t = await startTestApp('app_bad_bytes')));
  after(async () => t.close());

  const latin1 = (text: string) => Buffer.from(text, 'latin1');
  const send = (method: 'POST' | 'PATCH', url: string, payload: Buffer) =>
    t.app.inject({ method, url, headers: { 'content-type': 'application/json' }, payload });

  it('regression: a JSON body that is not UTF-8 was stored with U+FFFD; it is 400 INVALID_JSON, and nothing is stored', async () => {
    const res = await send('POST', '/users', latin1('{"email":"cafe@example.org","name":"Caf\u00e9"}'));
    assert.equal(res.statusCode, 400, res.body);
    assert.deepEqual(json(res), { error: { code: 'INVALID_JSON', message: 'the request body is not valid UTF-8; send JSON encoded as UTF-8' } });
    assert.equal((await t.db.query('SELECT count(*)::int AS n FROM users')).rows[0]!.n, 0);
  });

  it('UTF-8 text is stored and returned exactly as sent; PATCH refuses other bytes too', async () => {
    const created = await send('POST', '/users', Buffer.from('{"email":"utf8@example.org","name":"Café 😀"}', 'utf8'));
    assert.equal(created.statusCode, 201, created.body);
    const id = (json(created) as { id: number }).id;
    assert.equal((json(await t.app.inject({ method: 'GET', url: `/users/${id}` })) as { name: string }).name, 'Café 😀');
    const patched = await send('PATCH', `/users/${id}`, latin1('{"name":"Caf\u00e9"}'));
    assert.equal(patched.statusCode, 400, patched.body);
    assert.equal((json(await t.app.inject({ method: 'GET', url: `/users/${id}` })) as { name: string }).name, 'Café 😀');
  });

  it('a prototype-poisoning key is still refused by the JSON parser', async () => {
    const res = await send('POST', '/users', Buffer.from('{"email":"pp@example.org","__proto__":{"admin":true}}'));
    assert.equal(res.statusCode, 400, res.body);
  });

  it('a malformed URL path gets the documented error shape, without echoing the URL', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await t.app.inject({ method, url: '/users/%E0%A4%A' });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      const body = json(res) as { error: { code: string; message: string } };
      assert.deepEqual(Object.keys(body), ['error']);
      assert.equal(body.error.code, 'BAD_REQUEST');
      assert.match(body.error.message, /URL encoding/);
      assert.doesNotMatch(res.body, /%E0/);
    }
  });
});
