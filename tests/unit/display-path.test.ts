import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { displayPath } from '../../packages/dbship/src/display-path.js';
import type { DbshipError } from '../../packages/dbship/src/errors.js';
import { loadRequiredMigrations } from '../../packages/dbship/src/migrator/folder/required.js';

it('paths are shown from the working directory given, absolute when outside it', () => {
  const cases: [file: string, cwd: string | undefined, shown: string][] = [
    ['/work/app/migrations/0001_add_user_bio.sql', '/work/app', 'migrations/0001_add_user_bio.sql'],
    ['/work/app/migrations', '/work/app/migrations', '.'],
    ['/work/other/schema.ts', '/work/app', '/work/other/schema.ts'],
    ['/work/app/..hidden/x.sql', '/work/app', '..hidden/x.sql'],
    ['/work', '/work/app', '/work'],
    ['/work/app/schema.ts', undefined, '/work/app/schema.ts'],
  ];
  for (const [file, cwd, shown] of cases) assert.equal(displayPath(file, cwd), shown, `${file} from ${cwd}`);
});

it('the migrations folder errors show the folder from the working directory', () => {
  const project = mkdtempSync(path.join(tmpdir(), 'dbship-shown-'));
  const missing = path.join(project, 'migrations');
  assert.throws(() => loadRequiredMigrations(missing, { strict: true, cwd: project }), (err: DbshipError) => err.message === 'the migrations folder migrations does not exist');
  mkdirSync(path.join(missing, 'meta'), { recursive: true });
  writeFileSync(path.join(missing, 'meta', '_journal.json'), '{ not json');
  assert.throws(() => loadRequiredMigrations(missing, { strict: true, cwd: project }), (err: DbshipError) => err.message === `${path.join('migrations', 'meta', '_journal.json')} is not valid JSON`);
});
