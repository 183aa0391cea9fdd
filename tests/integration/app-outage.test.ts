import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { adminConnection, connectionUrl } from '../helpers/db.js';
import { json, startTestApp, type TestApp } from '../helpers/app.js';

/**
 * A real TCP proxy between the app and the real PostgreSQL server, so that a test can cut the
 * database off (close the port, drop every connection) or make it hang, then bring it back.
 */
class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens (again, on the same port after a stop); `blackHole` accepts but never answers. */
  async start(mode: 'forward' | 'blackHole' = 'forward'): Promise<void> {
    const server = net.createServer((client) => {
      this.track(client);
      if (mode === 'blackHole') return;
      const upstream = this.track(net.connect(this.target.port, this.target.host));
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every connection: the database is gone. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private track(socket: net.Socket): net.Socket {
    this.sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    return socket;
  }
}

describe('the app during a database outage', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  before(async () => {
    const server = adminConnection();
    proxy = new TcpProxy({ host: server.host, port: server.port });
    await proxy.start();
    // The database is created and migrated directly; only the app goes through the proxy.
    t = await startTestApp('app_outage', {
      readiness: { ttlMs: 0, timeoutMs: 500 },
      env: (db) => ({ DATABASE_URL: connectionUrl({ ...db.connection, host: '127.0.0.1', port: proxy.port }) }),
    });
  });
  after(async () => {
    await proxy.stop();
    await t.close();
  });

  const call = (method: 'GET' | 'POST', url: string, payload?: object) => t.app.inject({ method, url, ...(payload ? { payload } : {}) });

  it('serves normally through the proxy', async () => {
    assert.equal((await call('POST', '/users', { email: 'before-outage@example.org' })).statusCode, 201);
    assert.equal((await call('GET', '/readyz')).statusCode, 200);
  });

  it('database gone: 503 DATABASE_UNAVAILABLE with Retry-After on every data route, /readyz 503, /healthz 200', async () => {
    await proxy.stop();
    for (const [method, url, payload] of [['GET', '/users'], ['GET', '/users/1'], ['POST', '/users', { email: 'during-outage@example.org' }]] as const) {
      const res = await call(method, url, payload);
      assert.equal(res.statusCode, 503, `${method} ${url}: ${res.body}`);
      assert.equal(json<{ error: { code: string } }>(res).error.code, 'DATABASE_UNAVAILABLE');
      assert.equal(res.headers['retry-after'], '5');
      assert.ok(!/ECONNREFUSED|127\.0\.0\.1|stack/i.test(res.body), `internals in the body: ${res.body}`);
    }
    const ready = await call('GET', '/readyz');
    assert.equal(ready.statusCode, 503);
    assert.match(json(ready).reason as string, /^database unreachable: /);
    assert.equal((await call('GET', '/healthz')).statusCode, 200);
  });

  it('logs the outage as an error without the request body', () => {
    const errors = t.logs.lines().filter((l) => l.level === 50 && l.code === 'DATABASE_UNAVAILABLE');
    assert.ok(errors.length >= 3, `expected error lines, got ${errors.length}`);
    assert.ok(!t.logs.text().includes('during-outage@example.org'), 'the email sent during the outage is in the logs');
  });

  it('database back: requests and readiness recover without a restart', async () => {
    await proxy.start();
    const res = await call('GET', '/users');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(json<{ items: { email: string }[] }>(res).items.map((u) => u.email), ['before-outage@example.org']);
    assert.equal((await call('GET', '/readyz')).statusCode, 200);
  });

  it('database hangs: /readyz answers 503 within its timeout instead of hanging the probe', async () => {
    await proxy.stop();
    // Let the pool notice that its idle connections died, so that the check needs a new one.
    for (let i = 0; i < 200 && t.pool.totalCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(t.pool.totalCount, 0, 'the pool dropped its dead connections');
    await proxy.start('blackHole');
    const res = await call('GET', '/readyz');
    assert.equal(res.statusCode, 503);
    assert.deepEqual(json(res), { ready: false, reason: 'database did not answer within 500 ms' });
    await proxy.stop();
    await proxy.start();
  });
});

describe('a database error that is not an outage', () => {
  let t: TestApp;
  before(async () => (t = await startTestApp('app_internal')));
  after(async () => t.close());

  it('is a 500 INTERNAL naming the request id; the log has the SQLSTATE and SQL, never the parameters', async () => {
    // The schema is behind the code (someone dropped a column by hand).
    await t.db.query('ALTER TABLE users DROP COLUMN bio');
    const res = await t.app.inject({ method: 'POST', url: '/users', payload: { email: 'param-canary@example.org', name: 'Canary Name' } });
    assert.equal(res.statusCode, 500, res.body);
    const body = json<{ error: { code: string; message: string } }>(res);
    assert.equal(body.error.code, 'INTERNAL');
    assert.match(body.error.message, /request id req-\w+/);
    assert.ok(!/bio|insert|42703|canary/i.test(res.body), `internals in the body: ${res.body}`);
    const line = t.logs.lines().find((l) => l.level === 50 && l.code === 'INTERNAL');
    assert.ok(line, 'an error line is logged');
    const err = line.err as { query?: string; cause?: { sqlState?: string } };
    assert.equal(err.cause?.sqlState, '42703');
    assert.match(String(err.query), /insert into "users"/);
    assert.ok(!/canary/i.test(t.logs.text()), 'a parameter value reached the logs');
  });
});
