/**
 * Where the per-request lines go (request-log.ts): "request completed" at info with its request id
 * and the fixed fields only; a failed request's line at warn through the request's own logger; the
 * probes stay quiet at info.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';

describe('request log lines', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('request_log', {
      beforeReady: (app) => {
        app.get('/boom', { schema: { hide: true } }, async () => {
          throw new Error('boom');
        });
      },
    });
  });
  after(async () => t.close());

  it('a completed request: one line with its request id and the fixed fields; the probes are not logged', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/users/424242?x=1' });
    assert.equal(res.statusCode, 404);
    await t.app.inject({ method: 'GET', url: '/readyz' });
    await t.app.inject({ method: 'GET', url: '/healthz' });
    const completed = t.logs.lines().filter((l) => l.msg === 'request completed');
    assert.equal(completed.length, 1, t.logs.text());
    const { time, pid, hostname, reqId, ms, ...rest } = completed[0]!;
    assert.ok(typeof time === 'number' && typeof pid === 'number' && typeof hostname === 'string');
    assert.match(String(reqId), /^req-/);
    assert.equal(typeof ms, 'number');
    assert.deepEqual(rest, { level: 30, method: 'GET', path: '/users/424242', route: '/users/:id', status: 404, msg: 'request completed' });
  });

  it('a failed request is logged at warn with its request id, and not as completed', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/boom' });
    assert.equal(res.statusCode, 500);
    const failed = t.logs.lines().filter((l) => l.msg === 'request failed');
    assert.equal(failed.length, 1, t.logs.text());
    assert.equal(failed[0]!.level, 40);
    assert.equal(failed[0]!.status, 500);
    assert.match(String(failed[0]!.reqId), /^req-/);
    assert.equal(t.logs.lines().filter((l) => l.msg === 'request completed' && l.path === '/boom').length, 0);
  });
});
