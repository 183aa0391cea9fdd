import { row, type Benchmark, type BenchContext, type ResultRow } from './lib/benchmark.js';
import { ensureBuilt } from './lib/build.js';
import { generatedHistory, realisticHistory, writeFolder } from './lib/migration-folder.js';
import { compilePeer } from './lib/peer.js';
import { timeOk } from './lib/process-timer.js';
import { summarize } from './lib/stats.js';
import { runnerEnv } from './deploy-noop.js';

const SMALL = 200;
const REALISTIC = 150;

/** One history, applied to a new database per round by each runner. */
async function applyHistory(ctx: BenchContext, cli: string, drizzleScript: string, label: string, dir: string, count: number): Promise<ResultRow[]> {
  const runners = {
    'dbship deploy': { args: [cli, 'deploy', '--drift', 'off'], count: 'SELECT count(*)::int AS n FROM dbship.migrations' },
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
        if (rows[0]?.n !== count) throw new Error(`${name} recorded ${rows[0]?.n} migrations of ${label}, expected ${count}`);
        if (round >= ctx.warmup) samples[name]!.push(ms);
      } finally {
        await db.drop();
      }
    }
  }
  const peer = { name: `drizzle-orm migrate(), ${label}`, summary: summarize(samples['drizzle-orm migrate()']!) };
  return [
    row(`dbship deploy, ${label}`, `apply ${count}`, 'ms', summarize(samples['dbship deploy']!), peer, 'one transaction + tracking and audit rows per migration; target: within 1.2x'),
    row(peer.name, `apply ${count}`, 'ms', peer.summary, undefined, 'one transaction for all'),
  ];
}

/**
 * A fresh database brought through a long history, dbship vs drizzle's migrator: 200 small
 * generated migrations, and a 150-migration history shaped like a real service's.
 */
export const benchmark: Benchmark = {
  name: 'history',
  title: `fresh database: ${SMALL} small migrations; a ${REALISTIC}-migration realistic history`,
  method:
    `Two histories in drizzle-kit's folder format, the same files for both runners, applied to a new empty database per round: `
    + `${SMALL} small migrations (tables, added columns, indexes, data fixes), and ${REALISTIC} migrations shaped like a real service's `
    + '(enum types, tables with identity keys, foreign keys with ON DELETE rules, unique and composite indexes, check constraints, '
    + 'columns of enum types, backfills; 2 to 5 statements each). dbship (`node dist/cli/main.js deploy --drift off`, no snapshots in a '
    + 'generated folder) parses every file with the PostgreSQL parser and commits each migration in its own transaction with its '
    + 'tracking and audit rows; drizzle-orm `migrate()` runs the whole history in ONE transaction and records only a hash. Database '
    + 'creation is not timed; the rounds of the two runners alternate.',
  async run(ctx: BenchContext): Promise<ResultRow[]> {
    const cli = ensureBuilt(ctx.log);
    const drizzleScript = compilePeer('drizzle-migrate');
    const small = writeFolder(ctx.tempDir('dbship-bench-history-'), generatedHistory(SMALL));
    const realistic = writeFolder(ctx.tempDir('dbship-bench-realistic-'), realisticHistory(REALISTIC));
    return [
      ...(await applyHistory(ctx, cli, drizzleScript, `${SMALL} small`, small, SMALL)),
      ...(await applyHistory(ctx, cli, drizzleScript, `${REALISTIC} realistic`, realistic, REALISTIC)),
    ];
  },
};
