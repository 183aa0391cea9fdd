/**
 * `dbship lint` as a separate OS process: output format, --json, exit codes, default folder.
 * Lint never needs a database, so none is configured here.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { runCliProcess, tempDir, writeMigrations } from '../helpers/migrations.js';

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...extra });

const dangerous = writeMigrations([
  { name: 'create_users', sql: 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);', down: 'DROP TABLE users;' },
  { name: 'email_required', sql: '-- tighten\nALTER TABLE users ALTER COLUMN email SET NOT NULL;', down: 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;' },
  { name: 'two_indexes', sql: '-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY a ON users (id);\nCREATE INDEX CONCURRENTLY b ON users (email);' },
]);

describe('dbship lint', () => {
  test('human format: file:line:column  severity  rule  message, then why and fix; exit 6 on errors', async () => {
    const r = await runCliProcess(['lint', dangerous], env());
    assert.equal(r.code, 6, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const heads = lines.filter((l) => !l.startsWith('  '));
    assert.deepEqual(heads.map((l) => l.split('  ').slice(0, 3).join(' | ')), [
      `${path.join(dangerous, '0001_email_required.sql')}:2:1 | error | set-not-null`,
      `${path.join(dangerous, '0002_two_indexes.sql')}:3:1 | warning | no-transaction-multiple-statements`,
    ]);
    for (const head of heads) {
      const i = lines.indexOf(head);
      assert.match(lines[i + 1] ?? '', /^ {2}why: \S/);
      assert.match(lines[i + 2] ?? '', /^ {2}fix: \S/);
    }
    assert.match(r.stderr, /1 error, 1 warning in 5 files/);
  });

  test('--json: the findings with counts; same exit code', async () => {
    const r = await runCliProcess(['lint', '--json', dangerous], env());
    assert.equal(r.code, 6, r.stderr);
    const report = JSON.parse(r.stdout) as { files: string[]; errors: number; warnings: number; findings: { rule: string; line: number; column: number; statement: string }[] };
    assert.equal(report.files.length, 5);
    assert.equal(report.errors, 1);
    assert.equal(report.warnings, 1);
    assert.deepEqual(report.findings.map((f) => [f.rule, f.line, f.column, f.statement]), [
      ['set-not-null', 2, 1, 'ALTER TABLE users ALTER COLUMN email SET NOT NULL'],
      ['no-transaction-multiple-statements', 3, 1, 'CREATE INDEX CONCURRENTLY b ON users (email)'],
    ]);
  });

  test('warnings only: printed, exit 0', async () => {
    const file = path.join(dangerous, '0002_two_indexes.sql');
    const r = await runCliProcess(['lint', file], env());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /warning {2}no-transaction-multiple-statements/);
  });

  test('no arguments: the configured migrations folder, paths shown relative to the working directory', async () => {
    const clean = writeMigrations([{ name: 'init', sql: 'CREATE TABLE t (id int);', down: 'DROP TABLE t;' }]);
    const r = await runCliProcess(['lint'], env({ MIGRATIONS_DIR: clean }));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /0 errors, 0 warnings in 2 files/);
    const bad = writeMigrations([{ name: 'drop', sql: 'ALTER TABLE users DROP COLUMN x;' }]);
    const r2 = await runCliProcess(['lint'], env({ MIGRATIONS_DIR: bad }));
    assert.equal(r2.code, 6);
    assert.match(r2.stdout, /0000_drop\.sql:1:1 {2}error {2}drop-column/);
  });

  test('a syntax error is a finding, not a crash', async () => {
    const dir = tempDir('dbship-lint-cli-');
    const file = path.join(dir, 'broken.sql');
    writeFileSync(file, "SELECT 'ü';\nALTER TABEL users ADD COLUMN a int;\n");
    const r = await runCliProcess(['lint', file], env());
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stdout, /broken\.sql:2:7 {2}error {2}syntax-error {2}syntax error at or near "TABEL"/);
  });

  test('a missing path is a usage error (exit 2) that names it', async () => {
    const r = await runCliProcess(['lint', 'no/such/file.sql'], env());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error\[USAGE\].*\n.*no\/such\/file\.sql does not exist/);
  });
});
