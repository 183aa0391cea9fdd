import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../../packages/dbship/src/cli/run.js';
import { cliEnv, runCliProcess, writeMigrations } from '../helpers/migrations.js';

async function inProcess(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, stdout: (l) => out.push(l), stderr: (l) => err.push(l), cwd: '/nonexistent-dir' });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('dbship CLI usage and configuration errors', () => {
  it('lists the verbs with --help and exits 0', async () => {
    const r = await inProcess(['--help'], {});
    assert.equal(r.code, 0);
    assert.match(r.stdout, /upgrade\s+apply pending migrations/);
    assert.match(r.stdout, /Exit codes: 0 ok/);
  });

  it('an unknown verb or flag is a usage error (exit 2)', async () => {
    const verb = await inProcess(['upgrde'], {});
    assert.equal(verb.code, 2);
    assert.match(verb.stderr, /unknown command "upgrde"/);
    const flag = await inProcess(['upgrade', '--dryrun'], {});
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Unknown option '--dryrun'[\s\S]*usage: dbship upgrade/);
  });

  it('invalid configuration lists every problem, exits 2, never prints the password', async () => {
    const r = await runCliProcess(['status'], {
      ...cliEnv('postgres://app:Sup3r-Secret!@127.0.0.1:1/app', '/tmp'),
      DB_WAIT: 'soon', MIGRATE_LOCK_RETRIES: '-1',
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /invalid configuration \(2 problems\)/);
    assert.match(r.stderr, /DB_WAIT must be a duration/);
    assert.match(r.stderr, /MIGRATE_LOCK_RETRIES must be a whole number/);
    assert.doesNotMatch(r.stdout + r.stderr, /Sup3r-Secret/);
  });

  it('an unreachable database is exit 3 with the reason and no password', async () => {
    const r = await runCliProcess(['upgrade'], cliEnv('postgres://app:Sup3r-Secret!@127.0.0.1:1/app', writeMigrations([{ name: 'one', sql: 'SELECT 1;\n' }])));
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /cannot connect to postgres:\/\/app@127\.0\.0\.1:1\/app: connection refused/);
    assert.doesNotMatch(r.stdout + r.stderr, /Sup3r-Secret/);
  });
});
