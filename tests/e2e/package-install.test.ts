/**
 * The packed package in a project that is not this repository, as a drizzle user adopts it:
 * a fresh project with drizzle.config.ts, TypeScript models and a history that drizzle-kit
 * generated and applied installs `npm pack`'s tarball with `npm i -D ./dbship-x.y.z.tgz`, then
 * runs `init`, `baseline`, `generate`, `upgrade` and `deploy` through `npx dbship`, the built CLI.
 *
 *   npm run test:package      (CI: .ci/package.sh)
 *
 * Offline: every package comes from the npm cache that `npm ci` of this repository filled.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { lockDependenciesOf, writeLockedProject } from './offline-install.js';

const root = path.resolve(import.meta.dirname, '../..');
const packageDir = path.join(root, 'packages/dbship');

interface Run { code: number; stdout: string; stderr: string }

describe('the packed dbship in a fresh drizzle-kit project', { timeout: 12 * 60_000 }, () => {
  let db: TestDatabase;
  let work = '';
  let app = '';
  let tarball = '';
  const run = (file: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> =>
    exec(file, args, app, { ...userEnv(), DATABASE_URL: db.url, NO_COLOR: '1', ...env });
  const dbship = (...args: string[]) => run('npx', ['--offline', 'dbship', ...args]);
  const ok = (r: Run, what: string) => assert.equal(r.code, 0, `${what} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);

  before(async () => {
    db = await createTestDatabase('package');
    work = mkdtempSync(path.join(os.tmpdir(), 'dbship-package-'));
    app = path.join(work, 'app');
    mkdirSync(path.join(app, 'src/db'), { recursive: true });
  });

  after(async () => {
    await db?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('npm pack gives a tarball with the built CLI, the types and the README, and no sources', async () => {
    const packed = await exec('npm', ['pack', '--json', '--pack-destination', work], packageDir, process.env);
    assert.equal(packed.code, 0, packed.stderr);
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path);
    for (const f of ['package.json', 'README.md', 'bin/dbship.js', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts']) assert.ok(files.includes(f), `${f} is in the tarball`);
    assert.deepEqual(files.filter((f) => f.startsWith('src/') || f.endsWith('.map') || f.includes('.test.')), []);
    tarball = path.join(work, info!.filename);
  });

  it('a drizzle-kit project: its history generated and applied by drizzle-kit', async () => {
    writeLockedProject(app, ['drizzle-orm', 'pg'], ['drizzle-kit']);
    ok(await run('npm', ['ci', '--offline', '--no-audit', '--no-fund']), 'npm ci');
    writeFileSync(path.join(app, 'drizzle.config.ts'), DRIZZLE_CONFIG);
    writeFileSync(path.join(app, 'src/db/columns.ts'), COLUMNS);
    writeModels(app, USERS);
    ok(await run('npx', ['--offline', 'drizzle-kit', 'generate', '--name', 'init']), 'drizzle-kit generate init');
    writeModels(app, USERS_WITH_NAME);
    ok(await run('npx', ['--offline', 'drizzle-kit', 'generate', '--name', 'add_name']), 'drizzle-kit generate add_name');
    ok(await run('npx', ['--offline', 'drizzle-kit', 'migrate']), 'drizzle-kit migrate');
    const applied = await db.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    assert.equal(applied.rows[0]?.n, 2);
  });

  it('npm i -D ./dbship-x.y.z.tgz installs it', async () => {
    assert.ok(tarball, 'the tarball was not packed (see the first test)');
    lockDependenciesOf(app, 'packages/dbship');
    ok(await run('npm', ['i', '-D', '--offline', '--no-audit', '--no-fund', tarball]), 'npm i -D tarball');
    const manifest = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    assert.match(manifest.devDependencies.dbship ?? '', /^file:.*dbship-\d+\.\d+\.\d+\.tgz$/);
  });

  it('init, baseline, generate, upgrade and deploy, all exit 0', async () => {
    ok(await dbship('init'), 'dbship init');
    const baseline = await dbship('baseline');
    ok(baseline, 'dbship baseline');
    assert.match(baseline.stdout, /2 migration\(s\) recorded as applied/);

    writeModels(app, USERS_WITH_NAME + POSTS);
    const generated = await dbship('generate', '--name', 'add_posts');
    ok(generated, 'dbship generate');
    assert.match(readFileSync(path.join(app, 'drizzle/0002_add_posts.sql'), 'utf8'), /CREATE TABLE "posts"/);

    const upgrade = await dbship('upgrade');
    ok(upgrade, 'dbship upgrade');
    assert.match(upgrade.stdout + upgrade.stderr, /0002_add_posts/);
    ok(await dbship('deploy'), 'dbship deploy');
    ok(await dbship('status', '--exit-code'), 'dbship status --exit-code');
    const posts = await db.query("SELECT to_regclass('public.posts') AS t");
    assert.equal(posts.rows[0]?.t, 'posts');
  });

  it('a missing optional peer is named with its install command (exit 2)', async () => {
    // tsx came with drizzle-kit; without it the TypeScript drizzle.config.ts cannot be loaded.
    rmSync(path.join(app, 'node_modules/tsx'), { recursive: true, force: true });
    const status = await dbship('status');
    assert.equal(status.code, 2, status.stderr);
    assert.match(status.stderr, /tsx is not installed, and loading drizzle\.config\.ts needs it/);
    assert.match(status.stderr, /npm i -D tsx@\^4\.21/);
  });
});

/** The project's models module, src/db/schema.ts. */
function writeModels(dir: string, body: string): void {
  writeFileSync(path.join(dir, 'src/db/schema.ts'), `${IMPORTS}\n${body}`);
}

/**
 * The environment of a user's shell: without what this checkout's npm scripts add (its .npmrc
 * selects the package's TypeScript sources, which the tarball does not have).
 */
function userEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.toLowerCase().startsWith('npm_')));
}

/** Runs a command to its end; never throws on a non-zero exit. */
function exec(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

const DRIZZLE_CONFIG = `import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.DATABASE_URL! },
});
`;

// An extensionless import between TypeScript files, as real projects write them: plain Node
// cannot load it, drizzle-kit and dbship's built CLI can.
const IMPORTS = `import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core';
import { createdAt } from './columns';
`;

const COLUMNS = `import { timestamp } from 'drizzle-orm/pg-core';

export const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
`;

const USERS = `
export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  email: text('email').notNull().unique(),
  createdAt: createdAt(),
});
`;

const USERS_WITH_NAME = USERS.replace('  email:', "  name: text('name'),\n  email:");

const POSTS = `
export const posts = pgTable('posts', {
  id: serial('id').primaryKey(),
  title: text('title').notNull(),
  likes: integer('likes').notNull().default(0),
  createdAt: createdAt(),
});
`;
