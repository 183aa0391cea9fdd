import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { mergeLayers } from '../../packages/dbship/src/config/layers.js';
import { DbshipError } from '../../packages/dbship/src/errors.js';
import { projectSettings } from '../../packages/dbship/src/project/project-settings.js';
import { loadSources } from '../../packages/dbship/src/project/sources.js';
import { buildEngineSettings } from '../../packages/dbship/src/settings.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dbship-config-sources-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A project folder with the given files; returns its path. */
function project(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

async function settingsOf(cwd: string, env: Record<string, string> = {}) {
  const sources = await loadSources({ cwd, env });
  return { sources, settings: buildEngineSettings(sources.values, sources.root), project: projectSettings(sources) };
}

describe('the environment wins over .env, per variable group', () => {
  const dotEnv = { source: '.env', values: { DB_HOST: 'localhost', DB_NAME: 'dbship', DB_USER: 'dbship', DB_PASS: 'dbship', DB_SSLMODE: 'disable' } };

  it('regression: a shell DATABASE_URL with DB_* in .env is not "both are set": the URL wins whole', () => {
    const { values, sources } = mergeLayers([{ source: 'env', values: { DATABASE_URL: 'postgres://app@prod/shop?sslmode=verify-full' } }, dotEnv]);
    const s = buildEngineSettings(values, '/srv');
    assert.deepEqual([s.db?.host, s.db?.database, s.db?.user, s.db?.ssl], ['prod', 'shop', 'app', 'verify-full']);
    assert.equal(sources.DATABASE_URL, 'env');
    // .env's DB_SSLMODE=disable must not downgrade the shell URL's TLS.
    assert.equal(values.DB_SSLMODE, undefined);
  });

  it('shell DB_* parts merge variable by variable over .env, and drop a .env DATABASE_URL', () => {
    const { values, sources } = mergeLayers([
      { source: 'env', values: { DB_PASS: 'from-shell', DB_HOST: 'db.internal' } },
      { source: '.env', values: { DATABASE_URL: 'postgres://x@y/z', DB_NAME: 'shop', DB_USER: 'app' } },
    ]);
    const s = buildEngineSettings(values, '/srv');
    assert.deepEqual([s.db?.host, s.db?.database, s.db?.user, s.db?.password], ['db.internal', 'shop', 'app', 'from-shell']);
    assert.deepEqual([sources.DB_PASS, sources.DB_NAME], ['env', '.env']);
  });

  it('both forms in the same place are still refused', () => {
    const { values } = mergeLayers([{ source: 'env', values: { DATABASE_URL: 'postgres://a@b/c', DB_HOST: 'h' } }]);
    assert.throws(() => buildEngineSettings(values, '/srv'), (err: DbshipError) => /both DATABASE_URL and DB_\* variables are set in the same place/.test(err.format()));
  });

  it('MIGRATE_DATABASE_URL is the runner\'s database; the app role is granted readiness', () => {
    const { values } = mergeLayers([{ source: 'env', values: { DATABASE_URL: 'postgres://app@pooler:6432/shop', MIGRATE_DATABASE_URL: 'postgres://owner:pw@primary:5432/shop?sslmode=require' } }]);
    const s = buildEngineSettings(values, '/srv');
    assert.deepEqual([s.db?.host, s.db?.port, s.db?.user, s.db?.ssl, s.appRole], ['primary', 5432, 'owner', 'require', 'app']);
  });
});

describe('settings from the project: root, .env and drizzle.config.*', () => {
  it('reads drizzle.config.ts (schema, out, migrations table/schema, dbCredentials.url) from a subdirectory', async () => {
    const dir = project('ts-esm', {
      'package.json': '{"type":"module"}',
      'define.ts': 'export const defineConfig = <T,>(c: T): T => c;\n',
      'drizzle.config.ts': [
        "import { defineConfig } from './define.ts';",
        'export default defineConfig({',
        "  dialect: 'postgresql', schema: './src/models.ts', out: './drizzle',",
        "  migrations: { table: 'journal', schema: 'public' },",
        "  dbCredentials: { url: 'postgres://kit:kitpw@kit-host:5433/kitdb' },",
        "  dbship: { trackingSchema: 'ops', searchPath: ['app', 'public'] },",
        '});',
      ].join('\n'),
      'src/deep/.keep': '',
    });
    const { settings, project: p, sources } = await settingsOf(path.join(dir, 'src/deep'));
    assert.equal(p.root, dir);
    assert.deepEqual(p.models, [path.join(dir, 'src/models.ts')]);
    assert.deepEqual(p.drizzleTable, { schema: 'public', table: 'journal' });
    assert.equal(settings.migrations.dir, path.join(dir, 'drizzle'));
    assert.deepEqual([settings.db?.host, settings.db?.port, settings.db?.database], ['kit-host', 5433, 'kitdb']);
    assert.equal(settings.migrations.trackingSchema, 'ops');
    assert.deepEqual(settings.migrations.searchPath, ['app', 'public']);
    assert.equal(sources.sources.DATABASE_URL, 'drizzle.config.ts');
    assert.equal(sources.sources.DBSHIP_SCHEMA, 'drizzle.config.ts (dbship)');
  });

  it('environment > .env > drizzle.config, and dbCredentials fields for a CommonJS .js config', async () => {
    const dir = project('js-cjs', {
      'package.json': '{}',
      '.env': 'DB_HOST=from-dotenv\nMIGRATIONS_DIR=dotenv-migrations\n',
      'drizzle.config.js': "module.exports = { dialect: 'postgresql', out: 'kit-out', dbCredentials: { host: 'kit', port: 6000, user: 'u', password: 'p', database: 'd', ssl: true } };\n",
    });
    const { settings, sources } = await settingsOf(dir, { MIGRATIONS_DIR: 'env-migrations' });
    assert.equal(settings.migrations.dir, path.join(dir, 'env-migrations'));
    assert.deepEqual([settings.db?.host, settings.db?.port, settings.db?.user, settings.db?.ssl], ['from-dotenv', 6000, 'u', 'verify-full']);
    assert.deepEqual([sources.sources.DB_HOST, sources.sources.DB_PORT, sources.sources.MIGRATIONS_DIR], ['.env', 'drizzle.config.js', 'env']);
  });

  it('drizzle.config.json, and drizzle-kit\'s default folder when `out` is absent', async () => {
    const dir = project('json', { 'package.json': '{}', 'drizzle.config.json': '{"dialect":"postgresql","schema":["a.ts","b.ts"]}' });
    const { settings, project: p } = await settingsOf(dir);
    assert.equal(settings.migrations.dir, path.join(dir, 'drizzle'));
    assert.deepEqual(p.models, [path.join(dir, 'a.ts'), path.join(dir, 'b.ts')]);
    assert.equal(p.drizzleTable, null);
  });

  it('dbship.config.ts adds dbship settings over drizzle.config', async () => {
    const dir = project('dbship-config', {
      'package.json': '{"type":"module"}',
      'drizzle.config.mjs': "export default { dialect: 'postgresql', out: 'kit' };\n",
      'dbship.config.ts': "export default { migrationsDir: 'db/migrations', lockTimeout: '800ms', strict: true };\n",
    });
    const { settings, sources } = await settingsOf(dir);
    assert.equal(settings.migrations.dir, path.join(dir, 'db/migrations'));
    assert.deepEqual([settings.migrations.lockTimeoutMs, settings.migrations.strict], [800, true]);
    assert.equal(sources.sources.MIGRATE_LOCK_TIMEOUT, 'dbship.config.ts');
  });

  it('no config files: the defaults', async () => {
    const { settings, project: p } = await settingsOf(project('bare', { 'package.json': '{}' }));
    assert.equal(settings.db, null);
    assert.deepEqual([settings.migrations.trackingSchema, settings.migrations.searchPath], ['dbship', ['public']]);
    assert.deepEqual(p.models, [path.join(p.root, 'src/db/schema.ts')]);
  });
});

describe("a broken project file is the user's error (exit 2), with file and line", () => {
  async function failure(files: Record<string, string>): Promise<DbshipError> {
    const dir = project(`broken-${Object.keys(files).join('-').replace(/\W/g, '')}-${Math.random().toString(36).slice(2, 6)}`, { 'package.json': '{"type":"module"}', ...files });
    try {
      await loadSources({ cwd: dir, env: {} });
    } catch (err) {
      assert.ok(err instanceof DbshipError, String(err));
      return err;
    }
    return assert.fail('expected an error');
  }

  it('a syntax error names the file, line and column', async () => {
    const err = await failure({ 'drizzle.config.ts': "export default {\n  schema: 'x',,\n};\n" });
    assert.equal(err.code, 'PROJECT_MODULE_FAILED');
    assert.equal(err.exitCode, 2);
    assert.match(err.format(), /cannot load .*drizzle\.config\.ts: Expected identifier but found ","/);
    assert.match(err.format(), /at .*drizzle\.config\.ts:2:\d+/);
    assert.doesNotMatch(err.format(), /INTERNAL|bug in dbship/);
  });

  it('a runtime error (a typo) points at the .ts line, through source maps', async () => {
    const err = await failure({ 'drizzle.config.ts': "const t: { bio?: { x: number } } = {};\n\nexport default { out: String(t.bio!.x) };\n" });
    assert.match(err.format(), /Cannot read properties of undefined/);
    assert.match(err.format(), /at .*drizzle\.config\.ts:3:\d+/);
  });

  it('a missing package says which one to install', async () => {
    const err = await failure({ 'drizzle.config.ts': "import { defineConfig } from 'drizzle-kit-not-installed';\nexport default defineConfig({});\n" });
    assert.match(err.format(), /drizzle-kit-not-installed/);
    assert.match(err.format(), /npm i -D drizzle-kit-not-installed/);
  });

  it('a wrong shape or dialect is CONFIG_INVALID', async () => {
    assert.match((await failure({ 'drizzle.config.json': '{"dialect":"mysql"}' })).format(), /CONFIG_INVALID.*dialect is "mysql"/);
    assert.match((await failure({ 'drizzle.config.json': '{"out": 5}' })).format(), /`out` is not a non-empty string/);
    assert.match((await failure({ 'dbship.config.json': '{"lockTimeot": "1s"}' })).format(), /unknown setting `lockTimeot`/);
  });
});
