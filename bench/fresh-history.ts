import { row, type Benchmark, type BenchContext, type ResultRow } from './lib/benchmark.js';
import { ensureBuilt } from './lib/build.js';
import { generatedHistory, writeFolder } from './lib/migration-folder.js';
import { compilePeer } from './lib/peer.js';
import { timeOk } from './lib/process-timer.js';
import { summarize } from './lib/stats.js';
import { runnerEnv } from './deploy-noop.js';

const COUNT = 200;

/** A fresh database brought through a long history: 200 migrations, dbship vs drizzle's migrator. */
export const benchmark: Benchmark = {
  name: 'history',
  title: `fresh database, ${COUNT} generated migrations`,
  method:
    `${COUNT} small migrations in drizzle-kit's folder format (tables, added columns, indexes, data fixes; the same files for both) `
    + 'applied to a new empty database per round. dbship (`node dist/cli/main.js deploy --drift off`, no snapshots in a generated '
    + 'folder) parses every file with the PostgreSQL parser and commits each migration in its own transaction with its tracking and '
    + 'audit rows; drizzle-orm `migrate()` runs the whole history in ONE transaction and records only a hash. Database creation is not timed.',
  async run(ctx: BenchContext): Promise<ResultRow[]> {
    const cli = ensureBuilt(ctx.log);
    const dir = writeFolder(ctx.tempDir('dbship-bench-history-'), generatedHistory(COUNT));
    const drizzleScript = compilePeer('drizzle-migrate');
    const runners = {
      'dbship deploy': { args: [cli, 'deploy', '--drift', 'off'], count: "SELECT count(*)::int AS n FROM dbship.migrations" },
      'drizzle-orm migrate()': { args: [drizzleScript], count: 'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations' },
    };
    const samples: Record<string, number[]> = { 'dbship deploy': [], 'drizzle-orm migrate()': [] };
    const reps = ctx.reps(5);
    for (let round = 0; round < ctx.warmup + reps; round++) {
      for (const [name, runner] of Object.entries(runners)) {
        const db = await ctx.server.createDatabase('history');
        try {
          const ms = await timeOk(name, { command: process.execPath, args: runner.args, env: runnerEnv(db.url, dir) });
          const { rows } = await db.query<{ n: number }>(runner.count);
          if (rows[0]?.n !== COUNT) throw new Error(`${name} recorded ${rows[0]?.n} migrations, expected ${COUNT}`);
          if (round >= ctx.warmup) samples[name]!.push(ms);
        } finally {
          await db.drop();
        }
      }
    }
    const peer = { name: 'drizzle-orm migrate()', summary: summarize(samples['drizzle-orm migrate()']!) };
    return [
      row('dbship deploy', `apply ${COUNT}`, 'ms', summarize(samples['dbship deploy']!), peer, 'one transaction + audit row per migration'),
      row('drizzle-orm migrate()', `apply ${COUNT}`, 'ms', peer.summary, undefined, 'one transaction for all'),
    ];
  },
};
