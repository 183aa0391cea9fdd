/**
 * The bundled programs the image runs (scripts/build/bundle.ts): `node dist/app/server.js` and
 * `dbship` (`node packages/dbship/dist/cli/main.js`) are launchers that load one esbuild bundle
 * each. The bundles are built here into a folder of their own (inside the repository, so that the
 * packages left out of them resolve from node_modules as in the image), then run as plain node
 * processes: the CLI deploys, reports its version and fails with its documented exit code; the
 * service turns ready, answers in its error shape, serves /docs (loaded on first use) and drains on
 * SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startService, type ServiceProcess } from '../../bench/lib/service-process.js';
import { freePort } from '../../packages/dbship/src/dev/embedded.js';
import { bundlePrograms } from '../../scripts/build/bundle.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, collect, ROOT } from '../helpers/migrations.js';

const MIGRATIONS = path.join(ROOT, 'migrations');
/** The committed journal's newest migration. */
const newest = (JSON.parse(readFileSync(path.join(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] }).entries.at(-1)!.tag;

describe('the bundled service and CLI, run by plain node', { timeout: 120_000 }, () => {
  let out = '';
  let server = '';
  let cli = '';
  let db: TestDatabase;
  let service: ServiceProcess | undefined;
  const runCli = (args: string[], env: NodeJS.ProcessEnv) => collect(spawn(process.execPath, [cli, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));

  before(async () => {
    out = mkdtempSync(path.join(ROOT, '.tmp-bundle-'));
    // What `npm run build` records before bundling: the migration /readyz waits for.
    mkdirSync(path.join(out, 'dist/app/health'), { recursive: true });
    writeFileSync(path.join(out, 'dist/app/health/build-migration.json'), JSON.stringify({ newestMigration: newest }));
    const [serverEntry, cliEntry] = await bundlePrograms(out);
    server = serverEntry!;
    cli = cliEntry!;
    // The CLI reads its version from the package manifest beside its dist/.
    mkdirSync(path.join(out, 'packages/dbship'), { recursive: true });
    copyFileSync(path.join(ROOT, 'packages/dbship/package.json'), path.join(out, 'packages/dbship/package.json'));
    db = await createTestDatabase('built_entries');
  });

  after(async () => {
    await service?.stop('SIGKILL');
    await db?.drop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('each entry is a small launcher of its bundle', () => {
    for (const entry of [server, cli]) {
      assert.match(readFileSync(entry, 'utf8'), /enableCompileCache\?\.\(\);\nconst bundle = await import\('\.\/\w+\.bundle\.js'\);/);
    }
  });

  it('the CLI deploys the committed migrations, then finds nothing to do', async () => {
    const first = await runCli(['deploy'], cliEnv(db.url, MIGRATIONS));
    assert.equal(first.code, 0, first.stderr);
    const names = (await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY name')).rows.map((r) => r.name);
    assert.ok(names.includes('0000_init'), `applied: ${names.join(', ')}`);
    const again = await runCli(['deploy'], cliEnv(db.url, MIGRATIONS));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /deploy: done, the app may start/);
  });

  it('the CLI prints its package version and fails with its documented exit code', async () => {
    const version = await runCli(['--version'], cliEnv(db.url, MIGRATIONS));
    assert.equal(version.stdout.trim(), JSON.parse(readFileSync(path.join(ROOT, 'packages/dbship/package.json'), 'utf8')).version);
    const unreachable = `postgres://postgres@127.0.0.1:${await freePort()}/nowhere`;
    const down = await runCli(['deploy'], cliEnv(unreachable, MIGRATIONS, { DB_WAIT: '0', LOG_LEVEL: 'error' }));
    assert.equal(down.code, 3, `exit 3 (database unreachable) expected:\n${down.stderr}`);
    assert.match(down.stderr, /DB_UNREACHABLE/);
  });

  it('the service waits for the migration the build recorded, not for the folder it is given', async () => {
    // A folder whose newest migration the database lacks: were it read, /readyz would never be 200.
    const ahead = path.join(out, 'migrations-ahead');
    mkdirSync(path.join(ahead, 'meta'), { recursive: true });
    const journal = JSON.parse(readFileSync(path.join(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as { entries: { idx: number; tag: string; when: number }[] };
    const last = journal.entries.at(-1)!;
    journal.entries.push({ ...last, idx: last.idx + 1, tag: `${String(last.idx + 1).padStart(4, '0')}_not_in_the_build`, when: last.when + 1 });
    writeFileSync(path.join(ahead, 'meta/_journal.json'), JSON.stringify(journal));
    for (const e of journal.entries.slice(0, -1)) copyFileSync(path.join(MIGRATIONS, `${e.tag}.sql`), path.join(ahead, `${e.tag}.sql`));
    writeFileSync(path.join(ahead, `${journal.entries.at(-1)!.tag}.sql`), 'SELECT 1;\n');
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, MIGRATIONS_DIR: ahead, HOSTNAME: 'test-runner', LOG_LEVEL: 'warn' };
    service = await startService({ name: 'bundled service, folder ahead', args: [server], port: await freePort(), env });
    assert.equal((await service.stop('SIGTERM')).code, 0, service.output());
  });

  it('the service turns ready, answers in its error shape, serves /docs and drains on SIGTERM', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, MIGRATIONS_DIR: MIGRATIONS, HOSTNAME: 'test-runner', LOG_LEVEL: 'info' };
    service = await startService({ name: 'bundled service', args: [server], port: await freePort(), env });
    const missing = await fetch(`${service.baseUrl}/users/987654`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'USER_NOT_FOUND');
    const docs = await fetch(`${service.baseUrl}/docs/`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger/i);
    const css = await fetch(`${service.baseUrl}/docs/static/swagger-ui.css`);
    assert.equal(css.status, 200);
    assert.match(String(css.headers.get('content-type')), /text\/css/);
    const exit = await service.stop('SIGTERM');
    assert.equal(exit.code, 0, service.output());
    assert.match(service.output(), /stopped cleanly/);
  });
});
