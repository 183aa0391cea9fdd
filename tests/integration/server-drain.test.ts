import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { MIGRATIONS_DIR } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ROOT, tempDir } from '../helpers/migrations.js';

/** Upper bound for any single wait, so that a broken server fails the test instead of hanging it. */
const WAIT_CAP_MS = 60_000;
const TSX = import.meta.resolve('tsx');
const SERVER = path.join(ROOT, 'src/app/server.ts');

/** The production entry as its own OS process: `node --import tsx src/app/server.ts`. */
class ServerProcess {
  readonly child: ChildProcess;
  private stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(env: NodeJS.ProcessEnv, cwd = ROOT) {
    this.child = spawn(process.execPath, ['--import', TSX, SERVER], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.stderr += d));
    this.child.stderr!.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get output(): string {
    return this.stderr;
  }

  /** Every output line, parsed; a line that is not JSON fails the test. */
  lines(): Record<string, unknown>[] {
    return this.stderr.split('\n').filter((l) => l.trim() !== '').map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        assert.fail(`not a JSON log line: ${l}`);
      }
    });
  }

  /** Waits for a log line matching `test`. */
  async line(test: (l: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
    return poll(() => this.lines().find(test), `${what}; output so far:\n${this.stderr}`);
  }
}

async function poll<T>(fn: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_CAP_MS;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves with the connection error code, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

function serverEnv(db: TestDatabase, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, MIGRATIONS_DIR, PORT: '0', HOST: '127.0.0.1',
    LOG_LEVEL: 'info', HOSTNAME: 'drain-test', ...extra,
  };
}

describe('server process: SIGTERM drains in-flight requests, then exits 0', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('server_drain');
    await upgrade(testConfig(db, MIGRATIONS_DIR));
  });
  after(async () => db.drop());

  it('a PATCH blocked on a row lock still gets its 200 after SIGTERM; new connections are refused; exit 0', async () => {
    const server = new ServerProcess(serverEnv(db));
    const locker = new pg.Client(clientConfig(db.connection, 'drain-test-locker'));
    try {
      const started = await server.line((l) => String(l.msg).startsWith('dbship service listening on'), 'the listening line');
      const url = String(started.url);
      const port = Number(new URL(url).port);
      const created = await fetch(`${url}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'drain@example.org' }) });
      assert.equal(created.status, 201);
      const { id } = (await created.json()) as { id: number };

      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [id]);
      const patch = fetch(`${url}/users/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Drained' }) });
      await poll(async () => {
        const { rows } = await db.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'dbship-app:drain-test' AND wait_event_type = 'Lock'");
        return rows.length > 0 ? true : undefined;
      }, 'the PATCH to wait on the row lock');

      server.child.kill('SIGTERM');
      await server.line((l) => String(l.msg).startsWith('SIGTERM received'), 'the drain to start');
      assert.equal(await poll(async () => ((await tryConnect(port)) === 'ECONNREFUSED' ? 'ECONNREFUSED' : undefined), 'the listener to close'), 'ECONNREFUSED');
      assert.equal(server.child.exitCode, null, 'the server waits for the in-flight request');

      await locker.query('ROLLBACK');
      const res = await patch;
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { name: string }).name, 'Drained');
      assert.deepEqual(await server.exited, { code: 0, signal: null });
      const msgs = server.lines().map((l) => l.msg);
      assert.ok(msgs.includes('not ready: shutting down'), 'readiness turned to "shutting down"');
      assert.ok(msgs.includes('stopped cleanly'));
      if (db.connection.password) assert.ok(!server.output.includes(db.connection.password), 'the password is in the logs');
    } finally {
      await locker.end().catch(() => {});
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });

  it('SIGINT stops an idle server the same way: exit 0', async () => {
    const server = new ServerProcess(serverEnv(db));
    try {
      await server.line((l) => String(l.msg).startsWith('dbship service listening on'), 'the listening line');
      server.child.kill('SIGINT');
      assert.deepEqual(await server.exited, { code: 0, signal: null });
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });
});

describe('server process without a database configured', () => {
  it('exits 2 with a JSON error saying what to set; nothing listens', async () => {
    const cwd = tempDir('dbship-nodb-');
    const server = new ServerProcess({ PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'info' }, cwd);
    const { code } = await server.exited;
    assert.equal(code, 2, server.output);
    const fatal = server.lines().find((l) => l.level === 60);
    assert.ok(fatal, `no fatal line in:\n${server.output}`);
    assert.equal(fatal.code, 'CONFIG_INVALID');
    assert.equal(fatal.msg, 'no database is configured');
    assert.match(String(fatal.why), /no embedded PostgreSQL/);
    assert.match(String(fatal.fix), /DATABASE_URL/);
    assert.ok(!server.lines().some((l) => String(l.msg).includes('listening')));
  });
});
