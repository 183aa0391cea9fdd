import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { freePort, startEmbedded, type EmbeddedServer } from '../../packages/dbship/src/dev/embedded.js';
import { loadMigrations } from '../../packages/dbship/src/migrator/folder/files.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, collect, runCliProcess, spawnCli, ROOT } from '../helpers/migrations.js';

const committed = path.join(ROOT, 'migrations');

/** pino JSON lines from a child's stderr. */
function logLines(stderr: string): { level: number; msg: string; [k: string]: unknown }[] {
  return stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

describe('dbship deploy (the init container)', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('deploy')));
  after(async () => db.drop());

  it('applies the full history to a fresh database, then is a no-op', async () => {
    const first = await runCliProcess(['deploy'], cliEnv(db.url, committed));
    assert.equal(first.code, 0, first.stderr);
    const lines = logLines(first.stderr);
    const names = loadMigrations(committed).map((m) => m.name);
    assert.ok(names.length >= 2);
    for (const name of names) assert.ok(lines.some((l) => l.msg === `applied ${name}`), `log says ${name} was applied`);
    assert.ok(lines.some((l) => l.msg === 'deploy: done, the app may start'));
    const recorded = await db.query('SELECT name FROM dbship.migrations ORDER BY seq');
    assert.deepEqual(recorded.rows.map((r) => r.name), names);

    const second = await runCliProcess(['deploy'], cliEnv(db.url, committed));
    assert.equal(second.code, 0, second.stderr);
    assert.ok(logLines(second.stderr).some((l) => l.msg === 'No upgrade items found'));
  });

  it('fails with exit 6 when the schema was changed by hand', async () => {
    await db.query('ALTER TABLE users ADD COLUMN hand_made int');
    try {
      const r = await runCliProcess(['deploy'], cliEnv(db.url, committed));
      assert.equal(r.code, 6, r.stderr);
      const error = logLines(r.stderr).find((l) => l.level === 50);
      assert.ok(error, r.stderr);
      assert.equal(error.code, 'PROBLEMS_FOUND');
      assert.match(JSON.stringify(error.details), /hand_made/);
      const warned = await runCliProcess(['deploy', '--drift', 'warn'], cliEnv(db.url, committed));
      assert.equal(warned.code, 0, warned.stderr);
    } finally {
      await db.query('ALTER TABLE users DROP COLUMN hand_made');
    }
  });
});

describe('dbship deploy waiting for the database', () => {
  let server: EmbeddedServer | undefined;
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'dbship-late-pg-'))));
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits for a database that starts 3 s later, then succeeds', async () => {
    const port = await freePort();
    const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    const child = spawnCli(['deploy', '--wait', '60s'], cliEnv(url, committed));
    const done = collect(child);
    await sleep(3_000);
    server = await startEmbedded({ dir, port, persistent: false });
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    const waits = logLines(r.stderr).filter((l) => l.msg === 'database not reachable yet: connection refused (server not running or not listening yet)');
    assert.ok(waits.length >= 2, 'each failed attempt is logged with its reason');
    assert.doesNotMatch(r.stderr, /postgres:postgres@/, 'no password in the log');
  });

  it('gives up with exit 3 when the database never comes up', async () => {
    const port = await freePort();
    const started = Date.now();
    const r = await runCliProcess(['deploy', '--wait', '2s'], cliEnv(`postgres://app:s3cret-pw@127.0.0.1:${port}/app`, committed));
    const elapsed = Date.now() - started;
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /did not accept connections within 2 s/);
    assert.doesNotMatch(r.stderr + r.stdout, /s3cret-pw/);
    console.log(`# deploy gave up after ${elapsed} ms with --wait 2s (includes process start-up)`);
  });
});
