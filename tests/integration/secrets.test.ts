import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { DbConnection } from '../../packages/dbship/src/config/db-connection.js';
import { clientConfig, quoteIdent } from '../../packages/dbship/src/db/pool.js';
import { freePort, startEmbedded, type EmbeddedServer } from '../../packages/dbship/src/dev/embedded.js';
import { appendMigration } from '../../bench/lib/migration-folder.js';
import { startService } from '../../bench/lib/service-process.js';
import { adminConnection, connectionUrl, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, ROOT, runCliProcess, tempDir, type CliResult } from '../helpers/migrations.js';

/**
 * A distinctive password must never reach any output: every CLI verb, every failure path, and the
 * service's logs at the most verbose level. Characters that need URL encoding make sure neither
 * the raw nor the encoded form leaks.
 */
const SECRET = `Leak-Canary_${randomBytes(6).toString('hex')}!#/:?&=+`;
const WRONG = `Wrong-Canary_${randomBytes(6).toString('hex')}!#/:?`;
const APP_SECRET = `App-Canary_${randomBytes(6).toString('hex')}@%`;
const FORMS = [SECRET, WRONG, APP_SECRET].flatMap((s) => [s, encodeURIComponent(s)]);

function assertNoSecret(label: string, ...outputs: string[]): void {
  const all = outputs.join('\n');
  for (const form of FORMS) assert.ok(!all.includes(form), `${label}: the password (${form === SECRET || form === WRONG ? 'raw' : 'URL-encoded'}) appears in the output`);
}

/** Does `db`'s server check passwords (a trust pg_hba.conf lets a wrong one in)? */
async function checksPasswords(db: DbConnection): Promise<boolean> {
  const c = new pg.Client({ ...clientConfig({ ...db, password: WRONG }, 'test-auth-probe') });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.end();
    return false;
  } catch {
    return true;
  }
}

describe('the database password never appears in output', () => {
  const role = `dbship_secret_${randomBytes(4).toString('hex')}`;
  const appRole = `${role}_app`;
  let db: TestDatabase;
  let asRole: DbConnection;
  let committed: string;

  before(async () => {
    db = await createTestDatabase('secrets');
    const admin = new pg.Client(clientConfig(adminConnection(), 'test-setup'));
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD '${SECRET.replace(/'/g, "''")}'`);
      await admin.query(`ALTER DATABASE ${quoteIdent(db.name)} OWNER TO ${quoteIdent(role)}`);
      await admin.query(`CREATE ROLE ${quoteIdent(appRole)} LOGIN PASSWORD '${APP_SECRET.replace(/'/g, "''")}'`);
    } finally {
      await admin.end();
    }
    asRole = { ...db.connection, user: role, password: SECRET };
    committed = tempDir('dbship-secrets-mig-');
    cpSync(path.join(ROOT, 'migrations'), committed, { recursive: true });
  });

  after(async () => {
    await db.drop();
    const admin = new pg.Client(clientConfig(adminConnection(), 'test-teardown'));
    await admin.connect();
    try {
      await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(appRole)}`);
      await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
    } finally {
      await admin.end();
    }
  });

  const url = () => connectionUrl(asRole);
  const verbose = { LOG_LEVEL: 'trace', DBSHIP_DEBUG: '1' };
  const check = (label: string, r: CliResult, code: number) => {
    assertNoSecret(label, r.stdout, r.stderr);
    assert.equal(r.code, code, `${label}: ${r.stderr}`);
  };

  it('deploy, status, status --json, history and upgrade succeed without printing it', async () => {
    check('deploy', await runCliProcess(['deploy'], cliEnv(url(), committed, verbose)), 0);
    check('status', await runCliProcess(['status'], cliEnv(url(), committed, verbose)), 0);
    check('status --json', await runCliProcess(['status', '--json'], cliEnv(url(), committed, verbose)), 0);
    check('history', await runCliProcess(['history'], cliEnv(url(), committed, verbose)), 0);
    check('upgrade', await runCliProcess(['upgrade'], cliEnv(url(), committed, verbose)), 0);
  });

  it('the same with DB_HOST / DB_USER / DB_PASS instead of a URL', async () => {
    const env: NodeJS.ProcessEnv = { ...cliEnv('', committed, verbose), DB_HOST: asRole.host, DB_PORT: String(asRole.port), DB_NAME: asRole.database, DB_USER: role, DB_PASS: SECRET };
    delete env.DATABASE_URL;
    check('deploy (DB_PASS)', await runCliProcess(['deploy'], env), 0);
  });

  it('separate migration credentials (MIGRATE_DB_USER / MIGRATE_DB_PASS): neither password is printed', async () => {
    const env = { ...cliEnv(connectionUrl({ ...asRole, user: appRole, password: APP_SECRET }), committed, verbose), MIGRATE_DB_USER: role, MIGRATE_DB_PASS: SECRET };
    check('deploy (MIGRATE_DB_*)', await runCliProcess(['deploy'], env), 0);
    check('status (MIGRATE_DB_*)', await runCliProcess(['status'], env), 0);
    check('deploy, wrong MIGRATE_DB_USER', await runCliProcess(['deploy', '--wait', '1s'], { ...env, MIGRATE_DB_USER: 'dbship_no_such_role' }), 3);
  });

  it('a failing migration (exit 1) does not print it', async () => {
    const failing = tempDir('dbship-secrets-failing-');
    cpSync(committed, failing, { recursive: true });
    appendMigration(failing, 'broken', `CREATE TABLE secret_t (id int);\nINSERT INTO secret_t VALUES ('not a number');\n`);
    const r = await runCliProcess(['upgrade'], cliEnv(url(), failing, verbose));
    check('failing upgrade', r, 1);
    assert.match(r.stderr, /SQLSTATE 22P02/);
    check('failing deploy', await runCliProcess(['deploy', '--drift', 'off'], cliEnv(url(), failing, verbose)), 1);
  });

  it('an unreachable database (exit 3) does not print it', async () => {
    const closed = connectionUrl({ ...asRole, port: await freePort() });
    check('deploy, nothing listening', await runCliProcess(['deploy', '--wait', '1s'], cliEnv(closed, committed, verbose)), 3);
    check('status, nothing listening', await runCliProcess(['status'], cliEnv(closed, committed, verbose)), 3);
    check('upgrade, nothing listening', await runCliProcess(['upgrade'], cliEnv(closed, committed, verbose)), 3);
    check('unknown database', await runCliProcess(['status'], cliEnv(connectionUrl({ ...asRole, database: 'dbship_no_such_db' }), committed, verbose)), 3);
  });

  it('a wrong password (exit 3) prints neither it nor the right one', async () => {
    let server: EmbeddedServer | undefined;
    let target = asRole;
    const dir = tempDir('dbship-secrets-pg-');
    try {
      if (!(await checksPasswords(asRole))) {
        // This server trusts loopback connections; a server of the test's own checks passwords.
        server = await startEmbedded({ dir, persistent: false });
        target = server.admin;
      }
      const wrong = connectionUrl({ ...target, password: WRONG });
      const r = await runCliProcess(['deploy', '--wait', '2s'], cliEnv(wrong, committed, verbose));
      check('deploy, wrong password', r, 3);
      assert.match(r.stderr, /password authentication failed/);
      check('status, wrong password', await runCliProcess(['status'], cliEnv(wrong, committed, verbose)), 3);
    } finally {
      await server?.stop();
    }
  });

  it('the service (LOG_LEVEL=trace) serves, fails requests, drains, and never logs it', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url(), MIGRATIONS_DIR: committed, LOG_LEVEL: 'trace' };
    const service = await startService({ name: 'service', args: ['--import', 'tsx', 'src/app/server.ts'], port: await freePort(), env });
    try {
      const created = await fetch(`${service.baseUrl}/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'canary@example.org', name: SECRET }) });
      assert.equal(created.status, 201);
      assert.equal((await fetch(`${service.baseUrl}/users/999999`)).status, 404);
      assert.equal((await fetch(`${service.baseUrl}/users?limit=oops`)).status, 400);
    } finally {
      const exit = await service.stop('SIGTERM');
      assert.equal(exit.code, 0, service.output());
    }
    // The user's *name* was the canary: request bodies are not logged either.
    assertNoSecret('service', service.output());
    const down = await startService({ name: 'service without its database', args: ['--import', 'tsx', 'src/app/server.ts'], port: await freePort(), env: { ...env, DATABASE_URL: connectionUrl({ ...asRole, port: await freePort() }) }, readyPath: '/healthz' });
    try {
      assert.equal((await fetch(`${down.baseUrl}/readyz`)).status, 503);
      assert.equal((await fetch(`${down.baseUrl}/users/1`)).status, 503);
    } finally {
      await down.stop('SIGTERM');
    }
    assertNoSecret('service without its database', down.output());
  });
});
