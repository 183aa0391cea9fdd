import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { buildApp } from '../../src/app/app.js';
import { clientConfig, createPool, quoteIdent } from '../../packages/dbship/src/db/pool.js';
import { loadMigrations } from '../../packages/dbship/src/migrator/folder/files.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { captureLogs, json, MIGRATIONS_DIR, startTestApp, type TestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import { adminConnection, createTestDatabase } from '../helpers/db.js';
import { tempDir } from '../helpers/migrations.js';

const [first, newest] = (() => {
  const names = loadMigrations(MIGRATIONS_DIR).map((m) => m.name);
  assert.ok(names.length >= 2, 'the build has at least two committed migrations');
  return [names[0]!, names.at(-1)!];
})();

describe('/readyz follows the schema, /healthz does not', () => {
  let t: TestApp;
  before(async () => (t = await startTestApp('app_ready', { migrate: false })));
  after(async () => t.close());

  const probe = async (url = '/readyz') => {
    const res = await t.app.inject({ method: 'GET', url });
    assert.equal(res.headers['cache-control'], 'no-store');
    return { status: res.statusCode, body: json(res) };
  };

  it('fresh database: 503, the tracking table does not exist; /healthz is 200', async () => {
    assert.deepEqual(await probe(), { status: 503, body: { ready: false, reason: 'no migrations applied: the dbship tracking table does not exist' } });
    assert.deepEqual(await probe('/healthz'), { status: 200, body: { status: 'ok' } });
  });

  it("part-way: 503 naming the build's newest migration and the database's", async () => {
    await upgrade(t.config, { to: first });
    assert.deepEqual(await probe(), { status: 503, body: { ready: false, reason: `migration ${newest} not applied yet (database has ${first})` } });
  });

  it('after the upgrade: 200 with the newest migration', async () => {
    await upgrade(t.config);
    assert.deepEqual(await probe(), { status: 200, body: { ready: true, migration: newest } });
  });

  it('database ahead of the build (a rollback): still ready', async () => {
    await t.db.query(
      "INSERT INTO dbship.migrations (name, checksum, applied_by, duration_ms, lock_wait_ms, kind) VALUES ('9999_from_a_newer_release', 'x', 'newer-pod', 1, 0, 'applied')",
    );
    assert.equal((await probe()).status, 200);
  });

  it('a restore that loses the newest migration makes it unready again', async () => {
    await t.db.query('DELETE FROM dbship.migrations WHERE name = $1', [newest]);
    const { status, body } = await probe();
    assert.equal(status, 503);
    assert.match(String(body.reason), new RegExp(`^migration ${newest} not applied yet \\(database has `));
  });

  it('logs each change of readiness once, and no line per probe request', () => {
    assert.deepEqual(t.logs.lines().filter((l) => l.path === '/readyz' || l.path === '/healthz'), []);
    const changes = t.logs.lines().filter((l) => /^(ready|not ready)/.test(String(l.msg))).map((l) => l.msg);
    assert.deepEqual(changes, [
      'not ready: no migrations applied: the dbship tracking table does not exist',
      `not ready: migration ${newest} not applied yet (database has ${first})`,
      'ready: the database schema serves this build',
      `not ready: migration ${newest} not applied yet (database has 9999_from_a_newer_release)`,
    ]);
  });
});

describe('/readyz with a build that has no migrations', () => {
  // A build without migrations is a wrong folder, not a schema that is always ready.
  it('the app refuses to start (MIGRATIONS_DIR_MISSING) instead of answering ready', async () => {
    const db = await createTestDatabase('app_ready_empty');
    const pool = createPool(db.connection, { max: 1 });
    try {
      assert.throws(() => buildApp(testConfig(db, tempDir('dbship-empty-')), { pool }), { code: 'MIGRATIONS_DIR_MISSING' });
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});

describe('/readyz when the app role may not read dbship.migrations', () => {
  const role = `dbship_app_${randomBytes(4).toString('hex')}`;
  const password = `App-${randomBytes(6).toString('hex')}`;
  let t: TestApp;
  before(async () => {
    t = await startTestApp('app_ready_priv');
    await t.db.query(`CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD '${password}'`);
  });
  after(async () => {
    await t.close();
    const c = new pg.Client(clientConfig(adminConnection(), 'dbship-tests'));
    await c.connect();
    await c.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`).finally(() => c.end());
  });

  it('503 saying which grant is missing; 200 once granted', async () => {
    const config = testConfig(t.db, MIGRATIONS_DIR);
    const pool = createPool({ ...t.db.connection, user: role, password }, { max: 2 });
    const app = buildApp(config, { pool, logger: captureLogs().logger, readiness: { ttlMs: 0 } });
    try {
      let res = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(res.statusCode, 503, res.body);
      assert.match(json(res).reason as string, /^permission denied reading dbship\.migrations: grant the app's role USAGE on schema dbship and SELECT/);
      assert.ok(!res.body.includes(password));
      await t.db.query(`GRANT USAGE ON SCHEMA dbship TO ${quoteIdent(role)}; GRANT SELECT ON dbship.migrations TO ${quoteIdent(role)}`);
      res = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(res.statusCode, 200, res.body);
    } finally {
      await app.close();
      await pool.end();
    }
  });
});
