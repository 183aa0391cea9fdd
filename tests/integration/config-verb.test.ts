import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../packages/dbship/src/cli/run.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dbship-config-verb-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function config(args: string[], env: Record<string, string>, cwd = dir) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['config', ...args], { env, cwd, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('dbship config', () => {
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(path.join(dir, '.env'), 'DB_HOST=localhost\nDB_NAME=dbship\nDB_USER=dbship\nDB_PASS=dotenv-Secret-1\n');
  writeFileSync(path.join(dir, 'drizzle.config.ts'), "export default { dialect: 'postgresql' as const, schema: './src/schema.ts', out: './drizzle', migrations: { table: 'kit_log', schema: 'public' } };\n");

  it('prints every resolved setting with its source, passwords masked', async () => {
    const r = await config([], { MIGRATE_DATABASE_URL: 'postgres://owner:Env-Secret-2@primary:5432/dbship?sslmode=verify-full', DBSHIP_SCHEMA: 'ops' });
    assert.equal(r.code, 0, r.stderr);
    const line = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';
    assert.match(line('database'), /postgres:\/\/owner@primary:5432\/dbship sslmode=verify-full\s+env \(MIGRATE_DATABASE_URL\); \.env \(DB_HOST, DB_NAME, DB_USER\)/);
    assert.match(line('password'), /\*+ \(set\)/);
    assert.match(line('app role'), /dbship/);
    assert.match(line('migrations dir'), /drizzle\s+drizzle\.config\.ts \(MIGRATIONS_DIR\)/);
    assert.match(line('models'), /src\/schema\.ts\s+drizzle\.config\.ts/);
    assert.match(line('tracking schema'), /ops\s+env \(DBSHIP_SCHEMA\)/);
    assert.match(line('search_path'), /public\s+default/);
    assert.match(line('drizzle table'), /public\.kit_log\s+drizzle\.config\.ts/);
    assert.doesNotMatch(r.stdout + r.stderr, /Secret-\d/);
  });

  it('--json, and from a subdirectory', async () => {
    const sub = path.join(dir, 'src');
    (await import('node:fs')).mkdirSync(sub, { recursive: true });
    const r = await config(['--json'], {}, sub);
    assert.equal(r.code, 0, r.stderr);
    const rows = (JSON.parse(r.stdout) as { settings: { name: string; value: string; source: string }[] }).settings;
    assert.equal(rows.find((s) => s.name === 'project root')?.value, dir);
    assert.equal(rows.find((s) => s.name === 'lock timeout')?.source, 'default');
    assert.doesNotMatch(r.stdout, /dotenv-Secret/);
  });
});
