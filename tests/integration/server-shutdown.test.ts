import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startServer } from '../../src/app/server.js';
import { loadConfig } from '../../src/config.js';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { DbshipError } from '../../packages/dbship/src/errors.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { captureLogs, MIGRATIONS_DIR } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/** Upper bound for a wait, so that a broken server fails the test instead of hanging it. */
const WAIT_CAP_MS = 60_000;

async function until(fn: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_CAP_MS;
  while (!(await fn())) {
    if (Date.now() > deadline) assert.fail(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('startServer', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('server_shutdown');
    await upgrade(testConfig(db, MIGRATIONS_DIR));
  });
  after(async () => db.drop());

  const config = (env: Record<string, string> = {}) => testConfig(db, MIGRATIONS_DIR, { PORT: '0', HOST: '127.0.0.1', HOSTNAME: 'shutdown-test', ...env });

  it('listens, serves, and reports its URL', async () => {
    const server = await startServer(config(), { logger: captureLogs().logger });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${server.url}/healthz`);
      assert.equal(res.status, 200);
    } finally {
      await server.close();
    }
    assert.equal(await server.shutdown().then((r) => r.forced), false, 'shutdown is idempotent');
  });

  it('while draining, /readyz says "shutting down"; past the grace period connections are cut and the result says so', async () => {
    const logs = captureLogs();
    const server = await startServer(config(), { logger: logs.logger, shutdownGraceMs: 300 });
    const locker = new pg.Client(clientConfig(db.connection, 'shutdown-test-locker'));
    try {
      const created = await fetch(`${server.url}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'slow@example.org' }) });
      const { id } = (await created.json()) as { id: number };
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [id]);
      const patch = fetch(`${server.url}/users/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'never' }) })
        .then((r) => r.status, (e: Error) => e);
      await until(async () => (await db.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'dbship-app:shutdown-test' AND wait_event_type = 'Lock'")).rows.length > 0, 'the PATCH to block');

      const shutdown = server.shutdown();
      const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.deepEqual(JSON.parse(ready.body), { ready: false, reason: 'shutting down' });

      assert.deepEqual(await shutdown, { forced: true });
      assert.ok((await patch) instanceof Error, 'the blocked request was cut off');
      assert.ok(logs.lines().some((l) => /grace period/.test(String(l.msg))), 'the cut is logged');
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end().catch(() => {});
    }
  });

  it('refuses to start without a database, saying what to set', async () => {
    const noDb = loadConfig({ env: { PORT: '0' }, readDotEnv: false });
    await assert.rejects(startServer(noDb, { logger: captureLogs().logger }), (err: unknown) => {
      assert.ok(err instanceof DbshipError);
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.equal(err.exitCode, 2);
      assert.match(err.format(), /no database is configured[\s\S]*embedded[\s\S]*DATABASE_URL/);
      return true;
    });
  });

  it('a port in use is a configuration error naming the address', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await assert.rejects(startServer(config({ PORT: String(port) }), { logger: captureLogs().logger }), (err: unknown) => {
        assert.ok(err instanceof DbshipError, String(err));
        assert.equal(err.code, 'CONFIG_INVALID');
        assert.equal(err.message, `cannot listen on 127.0.0.1:${port}`);
        assert.match(err.why ?? '', /already listens/);
        return true;
      });
    } finally {
      blocker.close();
    }
  });
});
