import assert from 'node:assert/strict';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ROOT, tempDir } from '../helpers/migrations.js';
import { hasTmux, Terminal } from '../helpers/terminal.js';

/**
 * The whole developer loop, typed into a real terminal (tmux) in a copy of the example project,
 * asserting what the screen shows: start, a model edit, generate (after the usual npm mistake),
 * upgrade, status, downgrade (answering its question), drift, check, lint, an unknown verb, and
 * reset (refused on a non-local database, then forced). DBSHIP_LOOP_TRANSCRIPT=<file> keeps the
 * screen (and <file>.slow that of the slow migration and the Ctrl-C below), which is how the
 * README's sessions were made.
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

    const declined = await term.run('npm run db -- downgrade; echo "exit $?"', { question: /Revert 1 migration\(s\)\? \[y\/N\]$/m, reply: 'n' });
    assert.match(declined, /error\[DECLINED\]: downgrade cancelled at the question: nothing was reverted/);
    assert.match(declined, /^exit 9$/m);

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

describe('a slow migration, and Ctrl-C during one, in a terminal', { skip }, () => {
  let db: TestDatabase;
  let term: Terminal;
  let project: string;
  before(async () => {
    db = await createTestDatabase('loop_slow');
    project = makeExampleProject();
    // The slow statements below wait on sessions this test holds, for as long as it holds them:
    // a long lock_timeout keeps dbship from giving up and retrying meanwhile.
    term = new Terminal(project, { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', DATABASE_URL: db.url, HOSTNAME: 'laptop', MIGRATE_LOCK_TIMEOUT: '10min' });
    await term.waitFor(/^\$/m);
    assert.match(await term.run('npm run db -- upgrade'), /Upgraded: 2 migration\(s\)/);
  });
  after(async () => {
    term?.close();
    await db?.drop();
  });

  it('a migration running longer than a few seconds shows its elapsed time; the line stays when it ends', async () => {
    await db.query('CREATE TABLE test_gate (opened boolean)');
    addMigration(project, '0002_backfill_bio', [
      "UPDATE users SET bio = '' WHERE bio IS NULL;",
      '-- stands for a long backfill: it runs until the test opens the gate',
      'DO $$ BEGIN WHILE NOT EXISTS (SELECT FROM test_gate) LOOP PERFORM pg_sleep(0.1); END LOOP; END $$;',
    ]);
    const running = term.begin('npm run db -- upgrade');
    await term.waitFor(/^applying 0002_backfill_bio \.\.\. \d+ s$/m);
    await db.query('INSERT INTO test_gate VALUES (true)');
    const shown = await running.finish();
    assert.match(shown, /^applying 0002_backfill_bio \.\.\. \d+ s\nApplied 0002_backfill_bio \(\d+ ms\)\nUpgraded: 1 migration\(s\) in /m);
  });

  it('Ctrl-C during CREATE INDEX CONCURRENTLY: the error says what may remain; the next run drops the INVALID index and builds it again', async () => {
    addMigration(project, '0003_users_nickname', [
      '-- dbship:no-transaction',
      'ALTER TABLE users ADD COLUMN IF NOT EXISTS nickname text;',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS users_nickname_idx ON users (nickname);',
    ]);
    // A session with an open snapshot (a psql left in BEGIN): CREATE INDEX CONCURRENTLY, its index
    // already in the catalog but not valid yet, waits for it to end.
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await reader.query('SELECT 1');
    let shown: string;
    try {
      const running = term.begin('npm run db -- upgrade');
      await waitForStatement(db, 'CREATE INDEX CONCURRENTLY');
      term.key('C-c');
      shown = await running.finish();
      // The server ends the statement once it sees the connection closed; until then it would
      // carry on and finish the index when the snapshot goes.
      await noDbshipSession(db);
    } finally {
      await reader.query('ROLLBACK');
      await reader.end();
    }
    assert.match(shown, /^applying 0003_users_nickname \(no transaction\) \.\.\.[^\n]*\nerror\[INTERRUPTED\]: stopped: received SIGINT,? during 0003_users_nickname/m);
    assert.match(shown, /stay applied/);
    assert.match(shown, /INVALID/);
    assert.doesNotMatch(shown, /rolled back/);
    const index = "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'users_nickname_idx'::regclass";
    assert.deepEqual((await db.query(index)).rows, [{ valid: false }]);
    assert.match(await term.run('npm run db -- status'), /pending +0003_users_nickname/);

    const again = await term.run('npm run db -- upgrade');
    assert.match(again, /warning: dropped the INVALID index public\.users_nickname_idx, left by an interrupted run of 0003_users_nickname; building it again/);
    assert.match(again, /warning: 0003_users_nickname resumes at its statement on line 3: 1 of its 2 statement\(s\) were committed by an earlier run/);
    assert.match(again, /Applied 0003_users_nickname/);
    assert.deepEqual((await db.query(index)).rows, [{ valid: true }]);
    if (process.env.DBSHIP_LOOP_TRANSCRIPT) writeFileSync(`${process.env.DBSHIP_LOOP_TRANSCRIPT}.slow`, `${term.screen()}\n`);
  });
});

/** Adds a migration (no snapshot: nothing here generates) to the project's folder and journal. */
function addMigration(project: string, tag: string, lines: string[]): void {
  const dir = path.join(project, 'migrations');
  writeFileSync(path.join(dir, `${tag}.sql`), `${lines.join('\n')}\n`);
  const journalFile = path.join(dir, 'meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number; when: number }[] };
  const last = journal.entries.at(-1)!;
  journal.entries.push({ idx: last.idx + 1, version: '7', when: last.when + 1, tag, breakpoints: true } as never);
  writeFileSync(journalFile, `${JSON.stringify(journal, null, 2)}\n`);
}

/** Waits until a dbship session waits for a lock in a statement starting with `prefix` (a hang guard). */
async function waitForStatement(db: TestDatabase, prefix: string): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    const { rows } = await db.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'dbship:%' AND wait_event_type = 'Lock' AND query LIKE $1", [`${prefix}%`]);
    if (rows[0]!.n > 0) return;
    if (waited > 60_000) throw new Error(`no dbship session waited in ${prefix}`);
    await sleep(100);
  }
}

async function noDbshipSession(db: TestDatabase): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    const { rows } = await db.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'dbship:%'");
    if (rows[0]!.n === 0) return;
    if (waited > 60_000) throw new Error('a dbship session outlived its process');
    await sleep(100);
  }
}

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
