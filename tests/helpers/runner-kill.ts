import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestDatabase } from './db.js';
import { cliEnv, collect, spawnCli } from './migrations.js';

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
}

/** The number of dbship sessions on this test's database (other tests' runners are not counted). */
export async function runnerSessions(db: TestDatabase, where = 'true'): Promise<number> {
  const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'dbship:%' AND (${where})`);
  return r.rows[0]!.n;
}

/**
 * Starts `dbship deploy` on `dir`, waits until `ready` holds (the runner is where the test wants
 * it: a session waiting on a lock, a number of batches committed), kills the runner with SIGKILL,
 * and waits until the server has ended its sessions by itself: the runner sets dead-client
 * detection, so a statement that was waiting or running is cancelled and its transaction rolled
 * back, as it would be for a node lost in the field.
 */
export async function killRunnerWhen(db: TestDatabase, dir: string, ready: () => Promise<boolean>, what: string, extraEnv: Record<string, string> = {}): Promise<void> {
  const runner = spawnCli(['deploy'], cliEnv(db.url, dir, extraEnv));
  const exited = collect(runner);
  await Promise.race([
    until(ready, what),
    exited.then((r) => assert.fail(`deploy exited (${r.code}) before ${what}:\n${r.stderr}`)),
  ]);
  runner.kill('SIGKILL');
  assert.equal((await exited).signal, 'SIGKILL');
  await until(async () => (await runnerSessions(db)) === 0, 'the server ended the killed runner\'s sessions', 30_000);
}
