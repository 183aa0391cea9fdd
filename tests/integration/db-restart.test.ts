import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { DbConnection } from '../../packages/dbship/src/config/db-connection.js';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { freePort, startEmbedded, type EmbeddedServer } from '../../packages/dbship/src/dev/embedded.js';
import { LOCK_KEY } from '../../packages/dbship/src/migrator/runtime/lock.js';
import { connectionUrl } from '../helpers/db.js';
import { cliEnv, collect, runCliProcess, spawnCli, writeMigrations, type CliResult } from '../helpers/migrations.js';

/**
 * The database server restarts (or disappears) while `dbship deploy` runs. A PostgreSQL of the
 * test's own is stopped and started again on the same data folder and port.
 */


/** pino JSON lines from a child's stderr. */
function logLines(stderr: string): { level: number; msg: string; [k: string]: unknown }[] {
  return stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

/** Polls `probe` (bounded), treating a failed probe (server down) as "not yet". */
async function until(what: string, probe: () => Promise<boolean>, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting until ${what}`);
}

describe('database restarted during dbship deploy', () => {
  let root: string;
  let gateDir: string;
  let port: number;
  let server: EmbeddedServer | undefined;
  let db: DbConnection;

  const start = async () => {
    server = await startEmbedded({ dir: path.join(root, 'pg'), port, persistent: true });
  };
  const stop = async () => {
    await server?.stop();
    server = undefined;
  };
  async function query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]> {
    const c = new pg.Client(clientConfig(db, 'test-observer'));
    c.on('error', () => {});
    await c.connect();
    try {
      return (await c.query<R>(sql, params)).rows;
    } finally {
      await c.end().catch(() => {});
    }
  }
  const tables = async () => (await query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).map((r) => r.t);
  const recorded = async () => (await query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY seq')).map((r) => r.name);
  const runnerActive = (fragment: string) => async () =>
    (await query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'dbship:%' AND state = 'active' AND query LIKE $1", [`%${fragment}%`]))[0]!.n === 1;

  /**
   * A migration that creates `first`, then waits while the gate file exists (a slow migration the
   * test can end at will), then creates `second`. pg_stat_file needs the superuser the embedded
   * server's admin is.
   */
  function gatedHistory(label: string): { dir: string; gate: string } {
    const gate = path.join(gateDir, `${label}.gate`);
    writeFileSync(gate, 'hold');
    const dir = writeMigrations([
      { name: `${label}_quick`, sql: `CREATE TABLE ${label}_q (id int);\n` },
      {
        name: `${label}_slow`,
        sql: `CREATE TABLE ${label}_first (id int);\nDO $$ BEGIN\n  WHILE (pg_stat_file('${gate}', true)).size IS NOT NULL LOOP\n    PERFORM pg_sleep(0.05);\n  END LOOP;\nEND $$;\nCREATE TABLE ${label}_second (id int);\n`,
      },
    ]);
    return { dir, gate };
  }

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'dbship-restart-'));
    gateDir = path.join(root, 'gates');
    mkdirSync(gateDir);
    // The server runs as the `postgres` OS user when the tests run as root: it must reach the gates.
    chmodSync(root, 0o755);
    chmodSync(gateDir, 0o755);
    port = await freePort();
    await start();
  });

  /** Each scenario gets a database of its own on the test's server. */
  async function useDatabase(name: string): Promise<void> {
    const admin = new pg.Client(clientConfig(server!.admin, 'test-setup'));
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    db = { ...server!.admin, database: name };
  }

  after(async () => {
    await stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('mid-migration: the migration in progress is rolled back by the restart, deploy retries and completes', async () => {
    await useDatabase('dbship_restart_mid');
    const { dir, gate } = gatedHistory('mid');
    const child = spawnCli(['deploy', '--wait', '120s', '--drift', 'off'], cliEnv(connectionUrl(db), dir));
    const done = collect(child);
    try {
      await until('the runner is inside the slow migration', runnerActive('pg_stat_file'));
      await stop();
      await start();
      // The restarted server has no trace of the interrupted migration, while the runner may
      // already be re-running it (its work is invisible until it commits).
      assert.deepEqual(await recorded(), ['0000_mid_quick']);
      assert.deepEqual(await tables(), ['mid_q']);
    } finally {
      rmSync(gate, { force: true });
    }
    const r: CliResult = await done;
    assert.equal(r.code, 0, r.stderr);
    const lines = logLines(r.stderr);
    assert.ok(lines.some((l) => /connection to the database was lost mid-run/.test(l.msg)), 'the lost connection is reported');
    assert.ok(lines.some((l) => l.msg === 'applied 0001_mid_slow'));
    assert.deepEqual(await recorded(), ['0000_mid_quick', '0001_mid_slow']);
    assert.deepEqual(await tables(), ['mid_first', 'mid_q', 'mid_second']);
    const again = await runCliProcess(['deploy', '--drift', 'off'], cliEnv(connectionUrl(db), dir));
    assert.equal(again.code, 0, again.stderr);
    assert.ok(logLines(again.stderr).some((l) => l.msg === 'No upgrade items found'));
  });

  it('while waiting for the migration lock: the holder is gone after the restart, deploy takes the lock and completes', async () => {
    await useDatabase('dbship_restart_lock');
    const dir = writeMigrations([{ name: 'locked_one', sql: 'CREATE TABLE locked_one (id int);\n' }]);
    const holder = new pg.Client(clientConfig(db, 'test-lock-holder'));
    holder.on('error', () => {});
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock($1)', [LOCK_KEY.toString()]);
    const child = spawnCli(['deploy', '--wait', '120s', '--drift', 'off'], cliEnv(connectionUrl(db), dir, { MIGRATE_LOCK_WAIT: '2m' }));
    const done = collect(child);
    await until('the runner waits for the advisory lock', runnerActive('pg_advisory_lock'));
    await stop();
    await holder.end().catch(() => {});
    await start();
    const r = await done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await recorded()).includes('0000_locked_one'));
    assert.ok((await tables()).includes('locked_one'));
  });

  it('a server that stays down past DB_WAIT: exit 3 (unreachable), nothing half-applied, the next deploy completes', async () => {
    await useDatabase('dbship_restart_down');
    const { dir, gate } = gatedHistory('down');
    const child = spawnCli(['deploy', '--wait', '3s', '--drift', 'off'], cliEnv(connectionUrl(db), dir));
    const done = collect(child);
    let r: CliResult;
    try {
      await until('the runner is inside the slow migration', runnerActive('pg_stat_file'));
      await stop();
      r = await done;
    } finally {
      rmSync(gate, { force: true });
    }
    assert.equal(r.code, 3, r.stderr);
    const error = logLines(r.stderr).find((l) => l.level === 50);
    assert.ok(error, r.stderr);
    assert.equal(error.code, 'DB_UNREACHABLE');
    await start();
    const before = await tables();
    assert.ok(before.includes('down_q'), 'the migration committed before the outage stays');
    assert.ok(!before.includes('down_first'), 'no half-applied migration');
    assert.ok(!(await recorded()).includes('0001_down_slow'));
    const again = await runCliProcess(['deploy', '--drift', 'off'], cliEnv(connectionUrl(db), dir));
    assert.equal(again.code, 0, again.stderr);
    assert.ok((await tables()).includes('down_second'));
  });
});
