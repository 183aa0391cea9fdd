import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DbshipError } from '../../packages/dbship/src/errors.js';
import { expandLintTargets, lintFiles, migrationSqlFiles, type LintFinding } from '../../packages/dbship/src/migrator/lint/index.js';
import { tempDir } from '../helpers/migrations.js';

const at = (f: LintFinding): string => `${path.basename(f.file)} ${f.rule}@${f.line}:${f.column}`;

function snapshot(columns: Record<string, string>): string {
  const cols = Object.fromEntries(Object.entries(columns).map(([name, type]) => [name, { name, type, primaryKey: false, notNull: false }]));
  return JSON.stringify({ version: '7', dialect: 'postgresql', tables: { 'public.users': { name: 'users', schema: '', columns: cols } } });
}

/** A migrations folder as drizzle-kit writes it, with our down files. */
function folder(): string {
  const dir = tempDir('dbship-lint-');
  mkdirSync(path.join(dir, 'meta'));
  const files: Record<string, string> = {
    '0000_init.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, name varchar(50), price numeric(10,2), age integer);',
    '0000_init.down.sql': 'DROP TABLE users;',
    'meta/0000_snapshot.json': snapshot({ id: 'bigint', name: 'varchar(50)', price: 'numeric(10, 2)', age: 'integer' }),
    '0001_widen.sql': [
      'ALTER TABLE users ALTER COLUMN name SET DATA TYPE varchar(100);',
      'ALTER TABLE users ALTER COLUMN price SET DATA TYPE numeric(12, 2);',
      'ALTER TABLE users ALTER COLUMN age SET DATA TYPE bigint;',
    ].join('\n'),
    '0001_widen.down.sql': [
      'ALTER TABLE users ALTER COLUMN name SET DATA TYPE varchar(50);',
      'ALTER TABLE users ALTER COLUMN price SET DATA TYPE numeric(10, 2);',
      'ALTER TABLE users ALTER COLUMN age SET DATA TYPE integer;',
    ].join('\n'),
    'meta/0001_snapshot.json': snapshot({ id: 'bigint', name: 'varchar(100)', price: 'numeric(12, 2)', age: 'bigint' }),
    '0002_tags.sql': 'CREATE TABLE tags (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));\nALTER TABLE users ADD COLUMN nickname text;\nCREATE INDEX tags_user_idx ON tags (user_id);',
    '0002_tags.down.sql': 'DROP INDEX tags_user_idx;\nDROP TABLE tags;\nALTER TABLE users DROP COLUMN nickname;\nALTER TABLE users DROP COLUMN age;',
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

describe('lintFiles on a migrations folder', () => {
  const dir = folder();

  test('up before down, meta/ left out', () => {
    assert.deepEqual(migrationSqlFiles(dir).map((f) => path.basename(f)), [
      '0000_init.sql', '0000_init.down.sql', '0001_widen.sql', '0001_widen.down.sql', '0002_tags.sql', '0002_tags.down.sql',
    ]);
  });

  test('type changes are judged against the snapshot the file starts from', async () => {
    const findings = await lintFiles([path.join(dir, '0001_widen.sql'), path.join(dir, '0001_widen.down.sql')]);
    assert.deepEqual(findings.map(at), [
      '0001_widen.sql column-type-rewrite@3:32',
      '0001_widen.down.sql column-type-rewrite@1:32',
      '0001_widen.down.sql column-type-rewrite@2:32',
      '0001_widen.down.sql column-type-rewrite@3:32',
    ]);
    assert.match(findings[0]!.message, /from int4 to int8/);
    assert.match(findings[1]!.message, /from varchar\(100\) to varchar\(50\)/);
  });

  test('a down file may drop what its up file created, and nothing else', async () => {
    const findings = await lintFiles([path.join(dir, '0002_tags.down.sql')]);
    assert.deepEqual(findings.map(at), ['0002_tags.down.sql drop-index-without-concurrently@1:1', '0002_tags.down.sql drop-column@4:1']);
    assert.match(findings[1]!.message, /column age/);
  });

  test('the same drops in an up file are findings', async () => {
    const file = path.join(dir, '0003_drops.sql');
    writeFileSync(file, 'DROP TABLE tags;\nALTER TABLE users DROP COLUMN nickname;');
    const findings = await lintFiles([file]);
    assert.deepEqual(findings.map(at), ['0003_drops.sql drop-table@1:1', '0003_drops.sql drop-column@2:1', '0003_drops.sql unrelated-tables@2:1']);
  });

  test('the whole folder: the initial migration and its down are clean', async () => {
    const findings = await lintFiles(migrationSqlFiles(dir));
    assert.ok(!findings.some((f) => f.file.includes('0000_init')), JSON.stringify(findings.map(at)));
  });

  test('a path that does not exist is a usage error naming it', () => {
    assert.throws(() => expandLintTargets(['nope.sql', dir], '/'), (err) => err instanceof DbshipError && err.exitCode === 2 && err.details.includes('nope.sql does not exist'));
  });

  test('a folder argument expands to its files', () => {
    assert.equal(expandLintTargets([dir]).length, migrationSqlFiles(dir).length);
  });
});
