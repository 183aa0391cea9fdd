import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { appendMigration } from '../../bench/lib/migration-folder.js';
import type { ServiceProcess } from '../../bench/lib/service-process.js';
import { percentiles } from '../../bench/lib/stats.js';
import type { TestDatabase } from '../helpers/db.js';
import { cliEnv, collect, spawnCli, tempDir } from '../helpers/migrations.js';
import { RELEASE_N } from './release.js';
import { startSeededService, type SeededService } from './seeded-service.js';
import { newPhase, trafficUntil } from './traffic.js';

/**
 * A runner frozen (SIGSTOP) between two statements of a migration that holds ACCESS EXCLUSIVE on
 * `users`, with the shipped defaults. In the field the app's requests hung for 608 s and `/readyz`
 * answered 200 throughout. Now each request answers within the app's statement timeout (503 with
 * Retry-After), `/readyz` reports the timeouts, the server ends the frozen session after
 * idle_in_transaction_session_timeout, and the resumed runner applies the migration once.
 * The latency figures are printed, never asserted.
 *
 * The migration writes its own BEGIN ... COMMIT, so it runs statement by statement: a plain
 * migration travels as one message, which a frozen runner cannot hold open (the server finishes
 * it; tests/integration/frozen-runner.test.ts shows both).
 */

const SEEDED = 1_000;
const LOAD = { connections: 6, amount: 30, maxId: SEEDED, readsOnly: true, maxBursts: 5_000 };

describe('frozen runner: SIGSTOP between two statements while holding ACCESS EXCLUSIVE on users', () => {
  let db: TestDatabase;
  let app: ServiceProcess;
  let seeded: SeededService | undefined;

  before(async () => {
    seeded = await startSeededService('frozen_rollout', SEEDED);
    ({ db, app } = seeded);
  });

  after(async () => {
    await seeded?.close();
  });

  /** The runner's migration backend inside its transaction, as the server sees it. */
  async function runnerBackend(): Promise<{ pid: number; state: string; query: string } | undefined> {
    const r = await db.query<{ pid: number; state: string; query: string }>("SELECT pid, state, query FROM pg_stat_activity WHERE application_name LIKE 'dbship:test-runner:%' AND application_name NOT LIKE '%:watch' AND datname = current_database() AND xact_start IS NOT NULL");
    return r.rows[0];
  }

  async function until(probe: () => Promise<boolean>, tries: number, everyMs: number): Promise<boolean> {
    for (let i = 0; i < tries; i++) {
      if (await probe()) return true;
      await sleep(everyMs);
    }
    return false;
  }

  it('the app answers 503 + Retry-After within its statement timeout, /readyz reports it, and the server frees the lock', { timeout: 240_000 }, async (t) => {
    const dir = tempDir('dbship-frozen-');
    cpSync(RELEASE_N, dir, { recursive: true });
    appendMigration(dir, 'add_user_nickname', 'BEGIN;\nALTER TABLE "users" ADD COLUMN "nickname" text;\nSELECT pg_sleep(1);\nSELECT 1;\nCOMMIT;\n');
    const phase = newPhase('frozen');
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const traffic = trafficUntil(stopped, app.baseUrl, phase, { ...LOAD, tag: 'frozen' });
    const readyz: { status: number; reason?: string }[] = [];
    const probing = (async () => {
      while (!(await Promise.race([stopped.then(() => true), sleep(250).then(() => false)]))) {
        const res = await fetch(`${app.baseUrl}/readyz`);
        const body = (await res.json()) as { reason?: string };
        readyz.push({ status: res.status, ...(body.reason ? { reason: body.reason } : {}) });
      }
    })();

    // Shipped defaults: nothing but the database and the folder.
    const runner = spawnCli(['deploy', '--drift', 'off'], cliEnv(db.url, dir));
    const done = collect(runner);
    let frozenPid: number | undefined;
    let freedAfterMs = Number.NaN;
    try {
      assert.ok(await until(async () => {
        const b = await runnerBackend();
        if (b?.state === 'active' && b.query.includes('pg_sleep')) frozenPid = b.pid;
        return frozenPid !== undefined;
      }, 600, 50), 'the runner reached the statement after its ALTER');
      runner.kill('SIGSTOP');
      const frozenAt = performance.now();
      assert.ok(await until(async () => (await runnerBackend())?.state === 'idle in transaction', 100, 50), 'the frozen runner sits idle in transaction');
      const freed = await until(async () => (await db.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [frozenPid])).rows[0]!.n === 0, 1_200, 100);
      freedAfterMs = performance.now() - frozenAt;
      assert.ok(freed, 'the server ended the frozen session');
      await sleep(3_000);
    } finally {
      runner.kill('SIGCONT');
    }
    const result = await done;
    // Readiness turns back once no query timed out for a while (twice the statement timeout).
    await until(async () => readyz.at(-1)?.status === 200, 300, 100);
    stop();
    await Promise.all([traffic, probing]);

    const l = percentiles(phase.latencies);
    const unready = readyz.filter((r) => r.status === 503);
    t.diagnostic(`runner frozen with ACCESS EXCLUSIVE on users; the server ended its session after ${(freedAfterMs / 1000).toFixed(1)} s (idle_in_transaction_session_timeout, default 10 s)`);
    t.diagnostic(`app GET /users/:id: ${phase.completed} answered, p50 ${l.p50.toFixed(0)} ms, p99 ${l.p99.toFixed(0)} ms, max ${l.max.toFixed(0)} ms; ${phase.statuses.get(503) ?? 0} x 503 (statement timeout 5 s), ${phase.errors + phase.timeouts} dropped`);
    t.diagnostic(`/readyz: ${unready.length} of ${readyz.length} probes 503${unready[0]?.reason ? `, e.g. "${unready[0].reason}"` : ''}`);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(phase.errors + phase.timeouts, 0, `every request got an answer: ${JSON.stringify(phase.errorSamples)}`);
    assert.ok((phase.statuses.get(503) ?? 0) > 0, 'requests stuck behind the lock answered 503');
    assert.equal(phase.non2xx, phase.statuses.get(503) ?? 0, `only 503s failed: ${JSON.stringify([...phase.statuses])}`);
    assert.ok(unready.some((r) => /database queries are timing out/.test(r.reason ?? '')), '/readyz reported the timeouts');
    assert.equal(readyz.at(-1)?.status, 200, '/readyz recovered');
    const state = await db.query("SELECT (SELECT count(*)::int FROM dbship.migrations WHERE name LIKE '%add_user_nickname') AS recorded, (SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname') AS columns");
    assert.deepEqual(state.rows[0], { recorded: 1, columns: 1 });
  });
});
