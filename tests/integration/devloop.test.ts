import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type RunOptions } from '../../packages/dbship/src/cli/run.js';
import { reportError } from '../../packages/dbship/src/cli/report.js';
import { PLAIN } from '../../packages/dbship/src/cli/style.js';
import { DbshipError } from '../../packages/dbship/src/errors.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeProject, usersModel } from '../helpers/generate-fixture.js';
import { writeMigrations } from '../helpers/migrations.js';

async function cli(argv: string[], env: Record<string, string | undefined>, extra: Partial<RunOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, cwd: '/', stdout: (l) => out.push(l), stderr: (l) => err.push(l), ...extra });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('the developer loop', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('devloop')));
  after(async () => db.drop());
  const env = (dir: string, extra: Record<string, string> = {}) => ({ DATABASE_URL: db.url, MIGRATIONS_DIR: dir, HOSTNAME: 'test-runner', ...extra });

  it('a refused generate puts the action first, fits 80 columns, and advises no suppression in an unwritten file', async () => {
    const p = makeProject({ history: true });
    const schema = p.models(usersModel().replace("  name: text('name'),\n", ''));
    const r = await cli(['generate', '--name', 'drop_name', '--schema', schema], { MIGRATIONS_DIR: p.dir });
    assert.equal(r.code, 6, r.stderr);
    const lines = r.stderr.split('\n');
    assert.match(lines[0]!, /^error\[PROBLEMS_FOUND\]: generate wrote nothing: 1 statement has no safe form$/);
    assert.match(lines[1]!, /do one of:/);
    assert.match(r.stderr, /dbship generate --name drop_name --allow-unsafe/);
    // The refused statement's headline is the one finding format (lint's and check's).
    assert.match(r.stderr, /^ {2}refused:\n {4}\S+\.sql:\d+:\d+ {2}error\b/m);
    assert.ok(lines.every((l) => l.length <= 80), lines.filter((l) => l.length > 80).join('\n'));
    assert.doesNotMatch(r.stderr, /suppress this finding|dbship:allow <rule>/);
  });

  it('regression: a typo in the models (t.bioo) was error[INTERNAL] "a bug in dbship"; it is the user\'s MODELS_INVALID with file and line', async () => {
    const p = makeProject({ history: true });
    const schema = p.models(usersModel({ extras: ["index('users_bio_idx').on(t.bioo)"] }));
    for (const verb of [['generate', '--name', 'x'], ['check']]) {
      const r = await cli([...verb, '--schema', schema], { MIGRATIONS_DIR: p.dir }, { cwd: p.root });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /error\[MODELS_INVALID\]: the models do not load/);
      // Shown from the working directory, as every path dbship prints.
      assert.match(r.stderr, new RegExp(`^  at ${path.relative(p.root, schema).replace(/[.]/g, '\\.')}:\\d+:\\d+`, 'm'));
      assert.match(r.stderr, /\| .*on\(t\.bioo\)/);
      assert.doesNotMatch(r.stderr, /INTERNAL|bug in dbship/);
    }
  });

  it('a failing migration is located in its file as shown from the working directory the CLI was given', async () => {
    const db = await createTestDatabase('devloop_where');
    after(async () => db.drop());
    const dir = writeMigrations([{ name: 'bad', sql: 'CREATE TABLE ok (id int);\nSELECT * FROM missing_table;\n' }]);
    const r = await cli(['upgrade'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, HOSTNAME: 'test-runner' }, { cwd: path.dirname(dir) });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^  at ${path.basename(dir)}/0000_bad\\.sql:2:15$`, 'm'));
    // So is a file refused before anything runs (read by the folder model, not the runner).
    const latin = writeMigrations([{ name: 'latin', sql: 'SELECT 1;\n' }]);
    writeFileSync(path.join(latin, '0000_latin.sql'), Buffer.from('SELECT \'caf\xe9\';\n', 'latin1'));
    const refused = await cli(['upgrade'], { DATABASE_URL: db.url, MIGRATIONS_DIR: latin, HOSTNAME: 'test-runner' }, { cwd: path.dirname(latin) });
    assert.match(refused.stderr, new RegExp(`error\\[MIGRATION_REFUSED\\]: ${path.basename(latin)}/0000_latin\\.sql is not valid UTF-8`));
  });

  it('upgrade prints an applying line per migration, the wall time (retries included), and warns of a forgotten generate', async () => {
    const p = makeProject({ history: true });
    const r = await cli(['upgrade'], env(p.dir), { cwd: p.root });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^applying 0000_init \.\.\.$/m);
    assert.match(r.stdout, /^Applied 0000_init \(\d+ ms\)$/m);
    assert.ok(r.stderr.indexOf('applying 0001_add_user_bio') > r.stderr.indexOf('applying 0000_init'));
    // The models module at the default path (src/db/schema.ts) adds a column without a migration.
    const { mkdirSync } = await import('node:fs');
    mkdirSync(`${p.root}/src/db`, { recursive: true });
    writeFileSync(`${p.root}/src/db/schema.ts`, usersModel({ columns: ["age: integer('age'),"] }));
    const again = await cli(['upgrade'], env(p.dir), { cwd: p.root });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /No upgrade items found/);
    const warnings = again.stderr.split('\n').filter((l) => l.startsWith('warning: the models'));
    assert.equal(warnings.length, 1, again.stderr);
    assert.match(warnings[0]!, /changed since the last generate.*run `dbship generate --name <what_changed>`/);
  });

  it('the final duration is the wall time: it includes the lock_timeout retries', async () => {
    const db = await createTestDatabase('devloop_wall');
    after(async () => db.drop());
    const env = (dir: string, extra: Record<string, string> = {}) => ({ DATABASE_URL: db.url, MIGRATIONS_DIR: dir, HOSTNAME: 'test-runner', ...extra });
    const dir = writeMigrations([{ name: 'locked', sql: 'ALTER TABLE held ADD COLUMN b int;\n', down: 'ALTER TABLE held DROP COLUMN b;\n' }]);
    await db.query('CREATE TABLE held (a int)');
    const pg = (await import('pg')).default;
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN; LOCK TABLE held IN ACCESS SHARE MODE');
    const release = setTimeout(() => void holder.query('COMMIT'), 1500);
    try {
      const r = await cli(['upgrade'], env(dir, { MIGRATE_LOCK_TIMEOUT: '100ms', MIGRATE_LOCK_RETRIES: '20' }));
      assert.equal(r.code, 0, r.stderr);
      const delays = [...r.stderr.matchAll(/retry \d+ in (\d+) ms|retry \d+ in ([\d.]+) s/g)].map((m) => (m[1] ? Number(m[1]) : Number(m[2]) * 1000));
      assert.ok(delays.length > 0, r.stderr);
      const total = /Upgraded: 1 migration\(s\) in (?:(\d+) ms|([\d.]+) s)/.exec(r.stdout);
      assert.ok(total, r.stdout);
      const totalMs = total[1] ? Number(total[1]) : Number(total[2]) * 1000;
      assert.ok(totalMs >= delays.reduce((a, b) => a + b, 0) - 100, `${totalMs} < retries ${delays.join('+')}`);
    } finally {
      clearTimeout(release);
      await holder.end();
    }
  });

  it('downgrade shows what it drops and asks on a terminal (declined: exit 9, DECLINED); without one it says to pass --yes (exit 2)', async () => {
    const dir = writeMigrations([{ name: 'gadgets', sql: 'CREATE TABLE gadgets (id int);\n', down: 'DROP TABLE gadgets;\n' }]);
    const scoped = await createTestDatabase('devloop_down');
    try {
      const e = { DATABASE_URL: scoped.url, MIGRATIONS_DIR: dir, HOSTNAME: 'test-runner' };
      await upgrade(testConfig(scoped, dir));
      const refused = await cli(['downgrade'], e);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /error\[CONFIRMATION_REQUIRED\]: downgrade would revert 1 migration\(s\) and there is no terminal to confirm it; nothing was reverted/);
      assert.match(refused.stderr, /DROP TABLE gadgets;/);
      assert.match(refused.stderr, /fix: pass --yes: `dbship downgrade --yes`/);
      const viaNpm = await cli(['downgrade', '--steps', '1'], { ...e, npm_lifecycle_event: 'db', npm_command: 'run-script' });
      assert.match(viaNpm.stderr, /fix: pass --yes: `npm run db -- downgrade --steps 1 --yes`/);
      const questions: string[] = [];
      const declined = await cli(['downgrade'], e, { ask: async (q) => (questions.push(q), false) });
      assert.equal(declined.code, 9, declined.stderr);
      assert.match(declined.stderr, /revert 0000_gadgets:\n {2}DROP TABLE gadgets;/);
      assert.match(declined.stderr, /error\[DECLINED\]: downgrade cancelled at the question: nothing was reverted/);
      assert.deepEqual(questions, ['Revert 1 migration(s)?']);
      assert.equal((await scoped.query("SELECT to_regclass('gadgets') AS t")).rows[0]!.t, 'gadgets');
      const yes = await cli(['downgrade'], e, { ask: async () => true });
      assert.equal(yes.code, 0, yes.stderr);
      assert.match(yes.stderr, /reverting 0000_gadgets \.\.\./);
      assert.match(yes.stdout, /Reverted 0000_gadgets/);
    } finally {
      await scoped.drop();
    }
  });

  it('reset refuses a database that is not the local one unless --force, naming it without the password', async () => {
    const scoped = await createTestDatabase('devloop_reset');
    try {
      const dir = writeMigrations([{ name: 'things', sql: 'CREATE TABLE things (id int);\n', down: 'DROP TABLE things;\n' }]);
      const url = scoped.url.replace('postgres://postgres@', 'postgres://postgres:s3cret-pw@');
      const e = { DATABASE_URL: url, MIGRATIONS_DIR: dir, HOSTNAME: 'test-runner' };
      await upgrade(testConfig(scoped, dir));
      const refused = await cli(['reset'], e);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, new RegExp(`refusing to wipe postgres://postgres@[^ ]+/${scoped.name}: it is not the local development database`));
      assert.doesNotMatch(refused.stderr, /s3cret-pw/);
      assert.equal((await scoped.query("SELECT to_regclass('things') AS t")).rows[0]!.t, 'things');
      const forced = await cli(['reset', '--force'], { ...e, DATABASE_URL: scoped.url });
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stdout, /dropped public, dbship; public is empty/);
      assert.equal((await scoped.query("SELECT to_regclass('things') AS t")).rows[0]!.t, null);
      const status = await cli(['status'], { ...e, DATABASE_URL: scoped.url });
      assert.match(status.stdout, /^pending {2}0000_things/m);
    } finally {
      await scoped.drop();
    }
  });

  it('on the local database, DIVERGED and MISSING_FILE point at reset in the form the user ran', () => {
    for (const code of ['DIVERGED', 'MISSING_FILE'] as const) {
      const lines: string[] = [];
      const exit = reportError(new DbshipError(code, 'x', { fix: 'restore the file.' }), { err: (l) => lines.push(l), style: PLAIN, invocation: { prefix: 'npm run db --', npmScript: true }, env: {}, localDatabase: true });
      assert.equal(exit, 5);
      assert.match(lines.join('\n'), /fix: this is your local development database: start it over with `npm run db -- reset` then `npm run db -- upgrade`/);
    }
  });

  it('regression: after an interrupted CREATE INDEX CONCURRENTLY the rerun stopped at INVALID_INDEX; the pending migration\'s own INVALID index is dropped and built again', async () => {
    const db = await createTestDatabase('devloop_index');
    after(async () => db.drop());
    await db.query('CREATE TABLE dupes (v int); INSERT INTO dupes VALUES (1), (1)');
    // A concurrent unique build that fails leaves its index INVALID, as a Ctrl-C midway does.
    await db.query('CREATE UNIQUE INDEX CONCURRENTLY dupes_v_idx ON dupes (v)').catch(() => {});
    assert.equal((await db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'dupes_v_idx'::regclass")).rows[0]!.indisvalid, false);
    await db.query('DELETE FROM dupes');
    const dir = writeMigrations([{ name: 'dupes_index', sql: '-- dbship:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS dupes_v_idx ON dupes (v);\n', down: '-- dbship:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS dupes_v_idx;\n' }]);
    const r = await cli(['upgrade'], { DATABASE_URL: db.url, MIGRATIONS_DIR: dir, HOSTNAME: 'test-runner' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: dropped the INVALID index public\.dupes_v_idx, left by an interrupted run of 0000_dupes_index; building it again/);
    assert.equal((await db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'dupes_v_idx'::regclass")).rows[0]!.indisvalid, true);
  });
});
