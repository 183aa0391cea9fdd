import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { json, startTestApp, type TestApp } from '../helpers/app.js';

/**
 * A migration frozen while holding ACCESS EXCLUSIVE on `users` made every request on `users` hang
 * (608 s in the field) while `/readyz` answered 200. With a statement timeout the request answers
 * 503 + Retry-After in the documented error shape, and `/readyz` says why until queries recover.
 */
describe('app queries stuck behind a lock: 503 with Retry-After, and /readyz reports it', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('stmt_timeout', { env: { DB_STATEMENT_TIMEOUT: '300ms' } });
  });
  after(async () => t?.close());

  it('times out, answers 503, turns unready, and recovers once the lock is gone', { timeout: 60_000 }, async () => {
    const holder = new pg.Client(clientConfig(t.db.connection, 'test-frozen-migration'));
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
    try {
      const res = await t.app.inject({ method: 'GET', url: '/users/1' });
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.headers['retry-after'], '5');
      const body = json<{ error: { code: string; message: string } }>(res);
      assert.equal(body.error.code, 'DATABASE_UNAVAILABLE');
      assert.match(body.error.message, /statement timeout/);
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503, ready.body);
      assert.match(json<{ reason: string }>(ready).reason, /database queries are timing out: 1 cancelled by the statement timeout \(300 ms, DB_STATEMENT_TIMEOUT\)/);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    let readyAgain = false;
    for (let i = 0; i < 100 && !readyAgain; i++) {
      readyAgain = (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200;
      if (!readyAgain) await sleep(100);
    }
    assert.ok(readyAgain, '/readyz is 200 again once queries stop timing out');
    assert.equal((await t.app.inject({ method: 'GET', url: '/users?limit=1' })).statusCode, 200);
  });
});
