import assert from 'node:assert/strict';
import { it } from 'node:test';
import { displayPath } from '../../packages/dbship/src/display-path.js';

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
