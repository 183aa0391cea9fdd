import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPool } from '../../packages/dbship/src/db/pool.js';
import { buildApp } from '../../src/app/app.js';
import { BUILD_MIGRATION_FILE, buildMigrations, newestBuildMigration } from '../../src/app/health/build-migration.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, collect, ROOT, runCliProcess, tempDir, writeMigrations } from '../helpers/migrations.js';

/**
 * A migrations folder that is not there (a typo in MIGRATIONS_DIR, another working directory, an
 * image built without it) used to read as "no migrations": every gate passed.
 */

describe('a missing or empty migrations folder is a configuration error (exit 2)', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('nofolder')));
  after(async () => db.drop());

  const empty = () => {
    const dir = tempDir('dbship-empty-folder-');
    mkdirSync(path.join(dir, 'meta'));
    return dir;
  };

  for (const [label, args] of [['deploy', ['deploy', '--wait', '5s']], ['status --exit-code', ['status', '--exit-code']], ['upgrade', ['upgrade']], ['downgrade', ['downgrade']]] as const) {
    it(`${label} with MIGRATIONS_DIR=/typo`, async () => {
      const r = await runCliProcess([...args], cliEnv(db.url, '/typo/migrations'));
      assert.equal(r.code, 2, r.stdout + r.stderr);
      // deploy logs JSON lines, the other verbs text: the same code, message and fix either way.
      assert.match(r.stderr, /MIGRATIONS_DIR_MISSING/);
      assert.match(r.stderr, /the migrations folder \/typo\/migrations does not exist/);
      assert.match(r.stderr, /set MIGRATIONS_DIR to the folder/);
    });
  }

  it('deploy with an empty folder', async () => {
    const r = await runCliProcess(['deploy', '--wait', '5s'], cliEnv(db.url, empty()));
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /has no migrations \(meta\/_journal\.json is missing or lists none\)/);
    assert.equal((await db.query("SELECT to_regnamespace('dbship') IS NULL AS none")).rows[0]!.none, true);
  });
});

describe("the service's newest migration", () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('nofolder_app')));
  after(async () => db.drop());

  it('the server started where there is no migrations/ exits 2 instead of answering /readyz 200', async () => {
    const cwd = tempDir('dbship-no-migrations-');
    // Outside the checkout tsx finds no tsconfig, so the package's `source` condition is given here.
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    const child = spawn(process.execPath, ['--conditions=dbship-source', '--import', import.meta.resolve('tsx'), path.join(ROOT, 'src/app/server.ts')], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const r = await collect(child).finally(() => clearTimeout(timer));
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const fatal = (r.stdout + r.stderr).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((l) => l.level === 60);
    assert.equal(fatal?.code, 'MIGRATIONS_DIR_MISSING', r.stdout + r.stderr);
    assert.match(fatal.msg, new RegExp(`the migrations folder ${path.join(cwd, 'migrations')} does not exist`));
  });

  it('buildApp refuses an empty folder rather than making any database ready', async () => {
    const pool = createPool(db.connection, { max: 1 });
    try {
      assert.throws(() => buildApp(testConfig(db, tempDir('dbship-empty-')), { pool }), { code: 'MIGRATIONS_DIR_MISSING' });
    } finally {
      await pool.end();
    }
  });

  it('the compiled service reads the migration recorded at build time, not the working directory', () => {
    const recordDir = tempDir('dbship-build-record-');
    writeFileSync(path.join(recordDir, BUILD_MIGRATION_FILE), JSON.stringify({ newestMigration: '0007_from_the_build' }));
    assert.equal(newestBuildMigration('/no/such/folder', () => {}, recordDir), '0007_from_the_build');
    writeFileSync(path.join(recordDir, BUILD_MIGRATION_FILE), JSON.stringify({ newestMigration: '0008_contract', readyMigration: '0007_expand' }));
    assert.deepEqual(buildMigrations('/no/such/folder', () => {}, recordDir), { newest: '0008_contract', ready: '0007_expand' });
    writeFileSync(path.join(recordDir, BUILD_MIGRATION_FILE), '{}');
    assert.throws(() => newestBuildMigration('/no/such/folder', () => {}, recordDir), { code: 'CONFIG_INVALID' });
  });

  it('the build step records the newest migration, and fails (exit 2) without a folder', async () => {
    const out = path.join(tempDir('dbship-build-out-'), 'health', BUILD_MIGRATION_FILE);
    const script = path.join(ROOT, 'scripts/build/record-migration.ts');
    const run = (dir: string) => collect(spawn(process.execPath, ['--import', 'tsx', script, dir, out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
    const dir = writeMigrations([{ name: 'one', sql: 'SELECT 1;\n' }, { name: 'two', sql: 'SELECT 2;\n' }]);
    const ok = await run(dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { newestMigration: '0001_two', readyMigration: '0001_two' });
    // A build that ends with the contract step of an online change is ready before it runs.
    const online = writeMigrations([
      { name: 'one', sql: 'CREATE TABLE t (id int PRIMARY KEY, a text);\n' },
      { name: 'r_expand', sql: '-- dbship:expand rename public.t.a -> b\nALTER TABLE t ADD COLUMN b text;\n' },
      { name: 'r_contract', sql: '-- dbship:contract expand=0001_r_expand\nALTER TABLE t DROP COLUMN a;\n' },
    ]);
    const contracted = await run(online);
    assert.equal(contracted.code, 0, contracted.stderr);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { newestMigration: '0002_r_contract', readyMigration: '0001_r_expand' });
    const missing = await run('/typo/migrations');
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /error\[MIGRATIONS_DIR_MISSING\]/);
  });
});
