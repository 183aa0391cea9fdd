import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { schemaReadiness } from '../../packages/dbship/src/migrator/runtime/readiness.js';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { adminConnection, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { runCliProcess } from '../helpers/migrations.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const sample = parseEnv(readFileSync(path.join(ROOT, '.env.sample'), 'utf8'));
const secret = parseYaml(readFileSync(path.join(ROOT, 'k8s/01-postgres.yaml'), 'utf8').split(/^---$/m).find((d) => /kind: Secret/.test(d))!) as { stringData: Record<string, string> };

/** The shipped role, as the compose file's POSTGRES_USER and the k8s Secret create it: owner of its database. */
async function shippedRole(db: TestDatabase): Promise<void> {
  const admin = new pg.Client(clientConfig(adminConnection(), 'dbship-tests'));
  await admin.connect();
  try {
    // Roles are cluster-wide and other test files may create the same one: tolerate a race.
    await admin.query(`DO $$ BEGIN CREATE ROLE ${sample.DB_USER} LOGIN PASSWORD '${sample.DB_PASS}'; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
    await admin.query(`ALTER DATABASE ${db.name} OWNER TO ${sample.DB_USER}`);
  } finally {
    await admin.end();
  }
}

/** The CLI as the shipped .env.sample configures it, pointed at this test's database. */
function shippedEnv(db: TestDatabase, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const server = adminConnection();
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...sample, DB_HOST: server.host, DB_PORT: String(server.port), DB_NAME: db.name, LOG_LEVEL: 'warn', ...extra };
}

async function tablesBySchema(db: TestDatabase): Promise<Record<string, string[]>> {
  const { rows } = await db.query<{ schemaname: string; tablename: string }>(
    "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
  );
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.schemaname] ??= []).push(r.tablename);
  return out;
}

describe('schema placement with the shipped credentials (a role named like the tracking schema)', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('role_dbship');
    await shippedRole(db);
  });
  after(() => db.drop());

  it('the shipped .env.sample and k8s Secret use the role `dbship`', () => {
    assert.equal(sample.DB_USER, 'dbship');
    assert.equal(secret.stringData.DB_USER, sample.DB_USER);
  });

  it('regression: deploy as role dbship puts the tables in public and exits 0 (no drift on public.users)', async () => {
    const r = await runCliProcess(['deploy', '--wait', '10s'], shippedEnv(db));
    assert.equal(r.code, 0, r.stderr);
    const tables = await tablesBySchema(db);
    assert.ok(tables.public?.includes('users'), JSON.stringify(tables));
    assert.deepEqual(tables.dbship, ['backfills', 'history', 'lock_holder', 'migrations', 'releases', 'unit_progress']);
    const again = await runCliProcess(['deploy', '--wait', '10s'], shippedEnv(db));
    assert.equal(again.code, 0, again.stderr);
  });
});

describe('the tracking schema configured to another name (DBSHIP_SCHEMA)', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('tracking_schema');
    await shippedRole(db);
  });
  after(() => db.drop());

  it('deploy keeps its tables in that schema, the app tables in public, and status, drift and readiness find them', async () => {
    const env = shippedEnv(db, { DBSHIP_SCHEMA: 'ops_tracking' });
    const r = await runCliProcess(['deploy', '--wait', '10s'], env);
    assert.equal(r.code, 0, r.stderr);
    const tables = await tablesBySchema(db);
    assert.deepEqual(tables.ops_tracking, ['backfills', 'history', 'lock_holder', 'migrations', 'releases', 'unit_progress']);
    assert.equal(tables.dbship, undefined);
    assert.ok(tables.public?.includes('users'), JSON.stringify(tables));
    const status = await runCliProcess(['status', '--json'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as { counts: { pending: number; applied: number } }).counts.pending, 0);
    assert.equal((await runCliProcess(['drift'], env)).code, 0);
    const pool = new pg.Pool(clientConfig(db.connection, 'dbship-tests'));
    try {
      const ready = await schemaReadiness(pool, 'no-such-migration', 'ops_tracking');
      assert.match(ready.ready ? '' : ready.reason, /not applied yet \(database has \d{4}_/);
    } finally {
      await pool.end();
    }
  });

  it('MIGRATE_SEARCH_PATH naming the tracking schema is a configuration error (exit 2)', async () => {
    const r = await runCliProcess(['status'], shippedEnv(db, { DBSHIP_SCHEMA: 'ops_tracking', MIGRATE_SEARCH_PATH: 'ops_tracking,public' }));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /MIGRATE_SEARCH_PATH must list schemas other than dbship's tracking schema "ops_tracking"/);
  });
});
