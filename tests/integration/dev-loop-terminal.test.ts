import assert from 'node:assert/strict';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ROOT, tempDir } from '../helpers/migrations.js';
import { hasTmux, Terminal } from '../helpers/terminal.js';

/**
 * The whole developer loop, typed into a real terminal (tmux) in a copy of the example project,
 * asserting what the screen shows: start, a model edit, generate (after the usual npm mistake),
 * upgrade, status, downgrade (answering its question), drift, check, lint, an unknown verb, and
 * reset (refused on a non-local database, then forced). DBSHIP_LOOP_TRANSCRIPT=<file> keeps the
 * screen, which is how the README's session was made.
 */
const skip = hasTmux() ? false : process.env.CI ? false : 'tmux is not installed (CI installs it)';

describe('the developer loop in a terminal', { skip }, () => {
  let db: TestDatabase;
  let term: Terminal;
  let project: string;
  before(async () => {
    db = await createTestDatabase('loop');
    project = makeExampleProject();
    term = new Terminal(project, { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', DATABASE_URL: db.url, PORT: '0', HOSTNAME: 'laptop', LOG_LEVEL: 'info' });
  });
  after(async () => {
    term?.close();
    await db?.drop();
  });

  it('start, edit, generate, upgrade, status, downgrade, drift, check, lint, reset', async () => {
    // The model gains a column, and the developer forgets `generate`.
    const schema = path.join(project, 'src/db/schema.ts');
    writeFileSync(schema, readFileSync(schema, 'utf8').replace("  bio: text('bio'),", "  bio: text('bio'),\n  age: integer('age'),").replace('import { bigint, pgTable', 'import { bigint, integer, pgTable'));

    term.window('app', project);
    term.type('npm start', 'app');
    const started = await term.waitFor(/listening on/, 'app');
    assert.match(started, /applied 0000_init/);
    // Said once the service listens (loading drizzle-kit must not delay the start).
    await term.waitFor(/the models in src\/db\/schema\.ts changed since the last generate.*npm run db -- generate --name <what_changed>/, 'app');

    const swallowed = await term.run('npm run db generate --name add_user_age');
    assert.match(swallowed, /npm kept --name for itself/);
    assert.match(swallowed, /use: npm run db -- generate --name add_user_age/);

    const generated = await term.run('npm run db -- generate --name add_user_age');
    assert.match(generated, /wrote migrations\/0002_add_user_age\.sql/);
    assert.match(generated, /next: .*`npm run db -- upgrade`/);

    const upgraded = await term.run('npm run db -- upgrade');
    assert.match(upgraded, /applying 0002_add_user_age \.\.\.\nApplied 0002_add_user_age \(\d+ ms\)\nUpgraded: 1 migration\(s\) in /);

    const status = await term.run('npm run db -- status');
    assert.match(status, /applied +0002_add_user_age .* by laptop\n3 applied, 0 pending/);

    const downgraded = await term.run('npm run db -- downgrade', { question: /Revert 1 migration\(s\)\? \[y\/N\]$/m, reply: 'y' });
    assert.match(downgraded, /revert 0002_add_user_age:\n {2}ALTER TABLE "users" DROP COLUMN "age";/);
    assert.match(downgraded, /Reverted 0002_add_user_age/);

    const drift = await term.run('npm run db -- drift');
    assert.match(drift, /users.*age/);
    assert.match(drift, /migration\(s\) not applied yet \(0002_add_user_age\): run `npm run db -- upgrade`/);

    assert.match(await term.run('npm run db -- upgrade'), /Applied 0002_add_user_age/);
    assert.match(await term.run('npm run db -- check'), /check: ok: 3 migration\(s\) up to 0002_add_user_age/);
    assert.match(await term.run('npm run db -- lint'), /0 errors, \d+ warnings? in 6 files/);
    assert.match(await term.run('npm run db -- drift'), /No drift/);

    const typo = await term.run('npm run db -- migrate');
    assert.match(typo, /unknown command "migrate": did you mean `npm run db -- generate --name <what_changed>`\?/);

    const refused = await term.run('npm run db -- reset');
    assert.match(refused, new RegExp(`refusing to wipe postgres://postgres@[^ ]+/${db.name}: it is not the local development database`));
    const reset = await term.run('npm run db -- reset --force');
    assert.match(reset, /Reset postgres:.*dropped public, dbship; public is empty/);
    assert.match(await term.run('npm run db -- status'), /0 applied, 3 pending/);

    term.key('C-c', 'app');
    await term.waitFor(/shutting down/, 'app');
    if (process.env.DBSHIP_LOOP_TRANSCRIPT) writeFileSync(process.env.DBSHIP_LOOP_TRANSCRIPT, `${term.screen('app')}\n----\n${term.screen()}\n`);
  });
});

/** A copy of the example service (models, app, migrations) using this checkout's dbship. */
function makeExampleProject(): string {
  const dir = tempDir('dbship-loop-');
  cpSync(path.join(ROOT, 'src'), path.join(dir, 'src'), { recursive: true });
  cpSync(path.join(ROOT, 'migrations'), path.join(dir, 'migrations'), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const pkg = { name: 'loop', private: true, type: 'module', scripts: { start: 'tsx src/dev/start.ts', db: `tsx ${path.join(ROOT, 'packages/dbship/src/cli/main.ts')}` } };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  writeFileSync(path.join(dir, '.npmrc'), readFileSync(path.join(ROOT, '.npmrc')));
  return dir;
}
