import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../src/config.js';
import { freePort } from '../packages/dbship/src/dev/embedded.js';
import { upgrade } from '../packages/dbship/src/migrator/upgrade.js';
import { row, type Benchmark, type BenchContext, type ResultRow } from './lib/benchmark.js';
import { ensureBuilt, ROOT } from './lib/build.js';
import { interleave, tail } from './lib/process-timer.js';
import { summarize } from './lib/stats.js';

/** How often readiness is polled while a server starts (ms): fine enough for a ~100 ms start. */
const POLL_MS = 2;
const GIVE_UP_MS = 30_000;

/**
 * Spawns `node <script>` and returns the time (ms) from spawn to the first 200 on /readyz, then
 * stops the process. Connection refusals while the server is not listening yet cost microseconds
 * on loopback, so the polling itself does not slow the start measurably.
 */
async function timeToReady(script: string, env: NodeJS.ProcessEnv): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    while (performance.now() - started < GIVE_UP_MS) {
      if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode} before it was ready:\n${tail(stderr)}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        await res.arrayBuffer();
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await sleep(POLL_MS);
    }
    throw new Error(`${script} was not ready within ${GIVE_UP_MS / 1000} s:\n${tail(stderr)}`);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** Spawn to first 200 on /readyz: the service as the image runs it, against two peers. */
export const benchmark: Benchmark = {
  name: 'start',
  title: 'Service start: spawn to the first 200 on /readyz',
  method:
    'Each server is spawned as its own node process (plain node on built JavaScript, as in the image) and /readyz is polled '
    + `every ${POLL_MS} ms until it answers 200; the process is then stopped. Rounds are interleaved after warm-up. Peers: a Fastify `
    + 'hello-world (no database) and a bare Fastify + pg route whose /readyz runs SELECT 1. The service\'s /readyz also checks '
    + 'that the schema is at its build\'s newest migration, on a database at the committed migrations.',
  async run(ctx: BenchContext): Promise<ResultRow[]> {
    ensureBuilt(ctx.log);
    const db = await ctx.server.createDatabase('start');
    try {
      const migrations = path.join(ROOT, 'migrations');
      await upgrade(loadConfig({ env: { DATABASE_URL: db.url, MIGRATIONS_DIR: migrations, HOSTNAME: 'bench' }, readDotEnv: false }).engine);
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, HOSTNAME: 'bench', LOG_LEVEL: 'warn', MIGRATIONS_DIR: migrations };
      const samples = await interleave(
        {
          'hello-world': () => timeToReady('bench/peers/hello-server.mjs', { PATH: process.env.PATH }),
          'bare pg route': () => timeToReady('bench/peers/bare-pg-route.mjs', env),
          service: () => timeToReady('dist/app/server.js', env),
        },
        { reps: ctx.reps(10), warmup: ctx.warmup },
      );
      const hello = { name: 'hello-world', summary: summarize(samples['hello-world']!) };
      return [
        row('hello-world', 'spawn to first 200', 'ms', hello.summary),
        row('bare pg route', 'spawn to first 200', 'ms', summarize(samples['bare pg route']!), hello),
        row('service (node dist/app/server.js)', 'spawn to first 200', 'ms', summarize(samples.service!), hello),
      ];
    } finally {
      await db.drop();
    }
  },
};
