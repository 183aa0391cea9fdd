import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { adminConnection, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, runCliProcess, writeMigrations } from '../helpers/migrations.js';

/**
 * The disk fills up mid-migration (SQLSTATE 53100): a tablespace on a 2 MB tmpfs that the test
 * mounts. Needs root (mount) and a server on this machine; otherwise the test says why it skips.
 */
describe('disk full during a migration', () => {
  const tablespace = `dbship_full_${randomBytes(3).toString('hex')}`;
  let db: TestDatabase;
  let mountPoint: string | undefined;
  let skipReason: string | undefined;

  async function admin(sql: string): Promise<pg.QueryResult> {
    const c = new pg.Client(clientConfig(adminConnection(), 'test-setup'));
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end();
    }
  }

  before(async () => {
    db = await createTestDatabase('disk_full');
    if (process.getuid?.() !== 0) return void (skipReason = 'mounting a small filesystem needs root');
    if (!['127.0.0.1', 'localhost', '::1'].includes(adminConnection().host)) return void (skipReason = 'the test server is not on this machine');
    const dataDir = String((await admin('SHOW data_directory')).rows[0]?.data_directory);
    const owner = statSync(dataDir);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dbship-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      return void (skipReason = `cannot mount a tmpfs here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
    }
    mountPoint = dir;
    // The server's OS user must own a tablespace's folder.
    chownSync(dir, owner.uid, owner.gid);
    await admin(`CREATE TABLESPACE ${tablespace} LOCATION '${dir}'`);
  });

  after(async () => {
    await db.drop();
    if (!mountPoint) return;
    await admin(`DROP TABLESPACE IF EXISTS ${tablespace}`).catch(() => {});
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('fails with exit 1, the server\'s message and hint, nothing applied; runs once space is freed', async (t) => {
    if (skipReason) return void t.skip(skipReason);
    const dir = writeMigrations([
      { name: 'small', sql: 'CREATE TABLE fits (id int);\n' },
      {
        name: 'big_backfill',
        sql: `CREATE TABLE archive (id int, payload text) TABLESPACE ${tablespace};\nINSERT INTO archive SELECT g, md5(g::text) FROM generate_series(1, 200000) AS g;\n`,
      },
    ]);
    const r = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(r.code, 1, r.stderr);
    // "could not extend file ..." with hint "Check free disk space." in practice; the SQLSTATE is the contract.
    assert.match(r.stderr, /error\[MIGRATION_FAILED\]: migration 0001_big_backfill failed: .*No space left on device/);
    assert.match(r.stderr, /SQLSTATE 53100/);
    assert.match(r.stderr, /at .*0001_big_backfill\.sql:2:1/);
    assert.match(r.stderr, /nothing of 0001_big_backfill was applied/);
    assert.match(r.stderr, /fix: free disk space or grow the volume/);
    const state = await db.query("SELECT (SELECT array_agg(name ORDER BY seq) FROM dbship.migrations) AS names, to_regclass('archive') AS archive");
    assert.deepEqual(state.rows[0], { names: ['0000_small'], archive: null });

    execFileSync('mount', ['-o', 'remount,size=64m', mountPoint!]);
    const again = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(again.code, 0, again.stderr);
    const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM archive');
    assert.equal(rows.rows[0]!.n, 200000);
  });
});
