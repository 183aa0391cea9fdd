import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { expectError } from '../helpers/errors.js';
import { cliEnv, runCliProcess, writeMigrations } from '../helpers/migrations.js';

const base = [
  { name: 'create_items', sql: 'CREATE TABLE items (id int PRIMARY KEY, label text);\n' },
  { name: 'seed_items', sql: "INSERT INTO items VALUES (1, 'one');\n" },
];


describe('upgrade', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('upgrade')));
  after(async () => db.drop());

  it('bootstraps a fresh database, applies in order, then finds nothing to do', async () => {
    const dir = writeMigrations(base);
    const first = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Applied 0000_create_items \(\d+ ms\)\nApplied 0001_seed_items \(\d+ ms\)/);
    const second = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^No upgrade items found$/m);
    const { rows } = await db.query('SELECT name, kind, applied_by FROM dbship.migrations ORDER BY seq');
    assert.deepEqual(rows, [
      { name: '0000_create_items', kind: 'applied', applied_by: 'test-runner' },
      { name: '0001_seed_items', kind: 'applied', applied_by: 'test-runner' },
    ]);
    assert.equal((await db.query('SELECT count(*)::int AS n FROM items')).rows[0]!.n, 1);
  });

  it('refuses a changed applied file and applies nothing', async () => {
    const dir = writeMigrations([...base, { name: 'more', sql: 'CREATE TABLE more_items (id int);\n' }]);
    writeFileSync(path.join(dir, '0001_seed_items.sql'), "INSERT INTO items VALUES (2, 'two');\n");
    const err = await expectError(upgrade(testConfig(db, dir)), 'CHECKSUM_MISMATCH');
    assert.equal(err.exitCode, 5);
    assert.match(err.message, /0001_seed_items/);
    assert.equal((await db.query("SELECT to_regclass('more_items') AS t")).rows[0]!.t, null);
  });

  it('refuses a deleted applied file when later ones exist', async () => {
    const dir = writeMigrations([...base, { name: 'more', sql: 'CREATE TABLE more_items (id int);\n' }]);
    await upgrade(testConfig(db, dir));
    // Rewrite the build without 0001 but keeping 0002: a hole in the history.
    const holey = writeMigrations([base[0]!, { name: 'placeholder', sql: 'SELECT 1;\n' }, { name: 'more', sql: 'CREATE TABLE more_items (id int);\n' }]);
    rmSync(path.join(holey, '0001_placeholder.sql'));
    const journal = path.join(holey, 'meta', '_journal.json');
    const j = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(journal, 'utf8')));
    j.entries = [j.entries[0], { ...j.entries[2], idx: 1 }];
    writeFileSync(journal, JSON.stringify(j));
    const err = await expectError(upgrade(testConfig(db, holey)), 'MISSING_FILE');
    assert.match(err.message, /0001_seed_items/);
  });

  it('accepts a database ahead of the build with a warning, and refuses it with --strict', async () => {
    const older = writeMigrations(base);
    const warnings: string[] = [];
    const result = await upgrade(testConfig(db, older), { onEvent: (e) => e.type === 'warning' && warnings.push(e.message) });
    assert.deepEqual(result.applied, []);
    assert.deepEqual(result.ahead, ['0002_more']);
    assert.match(warnings.join('\n'), /ahead of this build: 0002_more/);
    await expectError(upgrade(testConfig(db, older), { strict: true }), 'DATABASE_AHEAD');
    const cli = await runCliProcess(['upgrade', '--strict'], cliEnv(db.url, older));
    assert.equal(cli.code, 5, cli.stderr);
  });
});

describe('upgrade: out-of-order and partial failure', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('upgrade_order')));
  after(async () => db.drop());

  it('refuses a pending file older than the newest applied one unless allowed', async () => {
    const a = { name: 'a', sql: 'CREATE TABLE a (id int);\n' };
    const b = { name: 'b', sql: 'CREATE TABLE b (id int);\n' };
    const c = { name: 'c', sql: 'CREATE TABLE c (id int);\n' };
    // The database saw a, c (from another branch)...
    const applied = writeMigrations([a, { name: 'b', sql: 'SELECT 1;\n' }, c]);
    await upgrade(testConfig(db, applied), { to: '0000_a' });
    await db.query(`INSERT INTO dbship.migrations (name, checksum, applied_by, duration_ms, lock_wait_ms)
                    SELECT '0002_c', checksum, 'other-branch', 1, 0 FROM dbship.migrations WHERE name = '0000_a'`);
    await db.query('CREATE TABLE c (id int)');
    // ...and the merged build has b (older) pending, and c with its real content.
    const merged = writeMigrations([a, b, c]);
    await db.query("UPDATE dbship.migrations SET checksum = $1 WHERE name = '0002_c'", [
      (await import('../../packages/dbship/src/migrator/folder/files.js')).loadMigrations(merged)[2]!.checksum,
    ]);
    const err = await expectError(upgrade(testConfig(db, merged)), 'OUT_OF_ORDER');
    assert.equal(err.exitCode, 5);
    assert.match(err.message, /0001_b/);
    assert.equal((await db.query("SELECT to_regclass('b') AS t")).rows[0]!.t, null);
    const cli = await runCliProcess(['upgrade', '--allow-out-of-order'], cliEnv(db.url, merged));
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /Applied 0001_b/);
  });

  it('a failing migration in the middle of three leaves the first applied and no trace of itself', async () => {
    const dir = writeMigrations([
      { name: 'first', sql: 'CREATE TABLE first_t (id int);\n' },
      { name: 'broken', sql: 'CREATE TABLE broken_t (id int);\n--> statement-breakpoint\nINSERT INTO broken_t VALUES (1);\nINSERT INTO broken_t (id, nosuch) VALUES (2, 2);\n' },
      { name: 'third', sql: 'CREATE TABLE third_t (id int);\n' },
    ]);
    const fresh = await createTestDatabase('upgrade_fail');
    try {
      const cli = await runCliProcess(['upgrade'], cliEnv(fresh.url, dir));
      assert.equal(cli.code, 1, cli.stderr);
      assert.match(cli.stdout, /Applied 0000_first/);
      assert.match(cli.stderr, /migration 0001_broken failed: column "nosuch" of relation "broken_t" does not exist/);
      assert.match(cli.stderr, /0001_broken\.sql:4:27/);
      assert.match(cli.stderr, /\| INSERT INTO broken_t \(id, nosuch\) VALUES \(2, 2\);\n {2}\| {27}\^/);
      assert.match(cli.stderr, /SQLSTATE 42703/);
      assert.match(cli.stderr, /nothing of 0001_broken was applied/);
      const tables = await fresh.query("SELECT to_regclass('first_t') AS a, to_regclass('broken_t') AS b, to_regclass('third_t') AS c");
      assert.deepEqual(tables.rows[0]!, { a: 'first_t', b: null, c: null });
      const names = await fresh.query('SELECT name FROM dbship.migrations');
      assert.deepEqual(names.rows.map((r) => r.name), ['0000_first']);
    } finally {
      await fresh.drop();
    }
  });

  it('runs CREATE INDEX CONCURRENTLY under the no-transaction header, and explains why it fails without', async () => {
    const fresh = await createTestDatabase('upgrade_cic');
    try {
      const table = { name: 'table', sql: 'CREATE TABLE t (id int, v text);\n' };
      const without = writeMigrations([table, { name: 'idx', sql: 'CREATE INDEX CONCURRENTLY t_v_idx ON t (v);\n' }]);
      const bad = await runCliProcess(['upgrade'], cliEnv(fresh.url, without));
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /cannot run inside a transaction block/);
      assert.match(bad.stderr, /-- dbship:no-transaction/);
      const withHeader = writeMigrations([table, { name: 'idx', sql: '-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY t_v_idx ON t (v);\n' }]);
      const good = await runCliProcess(['upgrade'], cliEnv(fresh.url, withHeader));
      assert.equal(good.code, 0, good.stderr);
      const idx = await fresh.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v_idx'::regclass");
      assert.equal(idx.rows[0]!.indisvalid, true);
    } finally {
      await fresh.drop();
    }
  });

  it('reports an INVALID index left by a failed concurrent build, with the fix', async () => {
    const fresh = await createTestDatabase('upgrade_invalid');
    try {
      await fresh.query("CREATE TABLE t (id int, v text); INSERT INTO t VALUES (1, 'a'), (2, 'a')");
      // A unique concurrent build fails on duplicates and leaves an INVALID index behind.
      await fresh.query('CREATE UNIQUE INDEX CONCURRENTLY t_v_key ON t (v)').catch(() => {});
      const dir = writeMigrations([{ name: 'idx', sql: '-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_id_idx ON t (id);\n' }]);
      const cli = await runCliProcess(['upgrade'], cliEnv(fresh.url, dir));
      assert.equal(cli.code, 1, cli.stderr);
      assert.match(cli.stderr, /INVALID index public\.t_v_key/);
      assert.match(cli.stderr, /DROP INDEX CONCURRENTLY IF EXISTS public\.t_v_key;/);
    } finally {
      await fresh.drop();
    }
  });
});

describe('upgrade with separate migration credentials', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('upgrade_roles')));
  after(async () => db.drop());

  it('grants the app role exactly what readiness needs, and nothing to write', async () => {
    const suffix = db.name.slice(-8);
    const [owner, app] = [`dbship_owner_${suffix}`, `dbship_app_${suffix}`];
    await db.query(`CREATE ROLE ${owner} LOGIN PASSWORD 'owner-pw'; CREATE ROLE ${app} LOGIN PASSWORD 'app-pw'; GRANT CREATE ON DATABASE ${db.name} TO ${owner}; GRANT CREATE ON SCHEMA public TO ${owner}`);
    try {
      const dir = writeMigrations([{ name: 'init', sql: 'CREATE TABLE things (id int);\n' }]);
      const appUrl = db.url.replace(/\/\/[^@]*@/, `//${app}:app-pw@`);
      const r = await runCliProcess(['upgrade'], { ...cliEnv(appUrl, dir), MIGRATE_DB_USER: owner, MIGRATE_DB_PASS: 'owner-pw' });
      assert.equal(r.code, 0, r.stderr);
      const asApp = await db.query(`SET ROLE ${app}; SELECT name FROM dbship.migrations`).catch((e: Error) => e);
      assert.ok(!(asApp instanceof Error), String(asApp));
      const write = await db.query(`SET ROLE ${app}; DELETE FROM dbship.migrations`).catch((e: { code?: string }) => e);
      assert.equal((write as { code?: string }).code, '42501');
    } finally {
      await db.query(`DROP OWNED BY ${owner}, ${app} CASCADE; DROP ROLE ${owner}; DROP ROLE ${app}`).catch(() => {});
    }
  });
});
