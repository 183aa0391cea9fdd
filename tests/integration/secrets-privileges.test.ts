import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig, quoteIdent } from '../../packages/dbship/src/db/pool.js';
import { adminConnection, connectionUrl, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, runCliProcess, writeMigrations } from '../helpers/migrations.js';

/**
 * The migration role lacks a privilege (SQLSTATE 42501): the failure says what was refused and
 * leaves nothing applied, and the role's password stays out of the output.
 */
describe('migration role without the privileges it needs', () => {
  const role = `dbship_noddl_${randomBytes(4).toString('hex')}`;
  const password = `Priv-Canary_${randomBytes(6).toString('hex')}`;
  let db: TestDatabase;
  let url: string;

  async function asAdmin(sql: string): Promise<void> {
    const c = new pg.Client(clientConfig({ ...adminConnection(), database: db?.name ?? adminConnection().database }, 'test-setup'));
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  }

  before(async () => {
    db = await createTestDatabase('privileges');
    await asAdmin(`CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD '${password}'`);
    // The table belongs to the admin; the role may use the schema but owns nothing.
    await asAdmin('CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)');
    await asAdmin('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await asAdmin(`GRANT USAGE ON SCHEMA public TO ${quoteIdent(role)}`);
    url = connectionUrl({ ...db.connection, user: role, password });
  });

  after(async () => {
    await db.drop();
    const c = new pg.Client(clientConfig(adminConnection(), 'test-teardown'));
    await c.connect();
    await c.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`).finally(() => c.end());
  });

  it('regression: a role that may not create the tracking schema got error[INTERNAL] "a bug in dbship"; it gets exit 2, INSUFFICIENT_PRIVILEGE naming the grant to run', async () => {
    const dir = writeMigrations([{ name: 'noop', sql: 'SELECT 1;\n' }]);
    for (const verb of [['upgrade'], ['deploy', '--drift', 'off']]) {
      const r = await runCliProcess(verb, cliEnv(url, dir));
      assert.ok(!(r.stdout + r.stderr).includes(password), 'no password in the output');
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /INSUFFICIENT_PRIVILEGE/);
      assert.match(r.stderr, /permission denied for database .*SQLSTATE 42501/);
      assert.match(r.stderr, new RegExp(`GRANT CREATE ON DATABASE ${db.name} TO ${role}`));
      assert.doesNotMatch(r.stderr, /INTERNAL|a bug in dbship/);
    }
    const schema = await db.query("SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'dbship'");
    assert.equal(schema.rows[0]!.n, 0);
  });

  it('ALTER of a table the role does not own: exit 1, SQLSTATE 42501 with file and line, nothing applied', async () => {
    await asAdmin(`GRANT CREATE ON DATABASE ${quoteIdent(db.name)} TO ${quoteIdent(role)}`);
    const dir = writeMigrations([
      { name: 'notes', sql: '-- a table of its own: allowed\nCREATE TABLE IF NOT EXISTS dbship_probe (id int);\n' },
      { name: 'add_bio', sql: 'CREATE INDEX users_email_idx2 ON users (email);\nALTER TABLE users ADD COLUMN bio text;\n' },
    ]);
    await asAdmin(`GRANT CREATE ON SCHEMA public TO ${quoteIdent(role)}`);
    const r = await runCliProcess(['upgrade'], cliEnv(url, dir));
    assert.equal(r.code, 1, r.stderr);
    assert.ok(!(r.stdout + r.stderr).includes(password), 'no password in the output');
    assert.match(r.stderr, /error\[MIGRATION_FAILED\]: migration 0001_add_bio failed: must be owner of table users/);
    assert.match(r.stderr, /at .*0001_add_bio\.sql:1:1/);
    assert.match(r.stderr, /SQLSTATE 42501/);
    assert.match(r.stderr, /nothing of 0001_add_bio was applied/);
    assert.match(r.stderr, /fix: run migrations as the role that owns the schema \(MIGRATE_DB_USER \/ MIGRATE_DB_PASS\)/);
    const state = await db.query("SELECT (SELECT array_agg(name ORDER BY seq) FROM dbship.migrations) AS names, to_regclass('users_email_idx2') AS idx");
    assert.deepEqual(state.rows[0], { names: ['0000_notes'], idx: null });
  });
});
