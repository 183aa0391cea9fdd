import path from 'node:path';
import { row, type Benchmark, type BenchContext, type ResultRow } from './lib/benchmark.js';
import { ensureBuilt, ROOT } from './lib/build.js';
import { compilePeer, DRIZZLE_KIT_BIN, drizzleKitConfig } from './lib/peer.js';
import { interleave, timeOk } from './lib/process-timer.js';
import { summarize } from './lib/stats.js';

/** Environment of a migration process: only what it reads, so runs are comparable. */
export function runnerEnv(url: string, migrationsDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: url, MIGRATIONS_DIR: migrationsDir, LOG_LEVEL: 'info', HOSTNAME: 'bench', ...extra };
}

/**
 * The init container's cost on every pod start: `dbship deploy` on a database that is already up
 * to date, against drizzle-orm's migrator, drizzle-kit's CLI and a bare `node -e 0`.
 */
export const benchmark: Benchmark = {
  name: 'deploy',
  title: 'deploy, already up to date (init container cost per pod start)',
  method:
    'Wall time from spawn to exit of one process on a database that is already at the newest of the committed migrations, '
    + 'interleaved rounds after warm-up. dbship runs the built CLI (`node dist/cli/main.js deploy`: wait for the database, lock, '
    + 'checksum every applied file, drift check against the newest snapshot); drizzle-orm `migrate()` runs as a minimal compiled '
    + 'script; `drizzle-kit migrate` loads a config from a temp folder; `node -e 0` is the floor (process start only).',
  async run(ctx: BenchContext): Promise<ResultRow[]> {
    const cli = ensureBuilt(ctx.log);
    const migrations = path.join(ROOT, 'migrations');
    const drizzleScript = compilePeer('drizzle-migrate');
    const kitDir = ctx.tempDir('dbship-bench-kit-');
    const kitConfig = drizzleKitConfig(kitDir, migrations);
    const dbs = {
      dbship: await ctx.server.createDatabase('noop_dbship'),
      orm: await ctx.server.createDatabase('noop_orm'),
      kit: await ctx.server.createDatabase('noop_kit'),
    };
    try {
      const subjects = {
        'dbship deploy': () => timeOk('dbship deploy', { command: process.execPath, args: [cli, 'deploy'], env: runnerEnv(dbs.dbship.url, migrations) }),
        'drizzle-orm migrate()': () => timeOk('drizzle migrate()', { command: process.execPath, args: [drizzleScript], env: runnerEnv(dbs.orm.url, migrations) }),
        'drizzle-kit migrate': () =>
          timeOk('drizzle-kit migrate', { command: process.execPath, args: [DRIZZLE_KIT_BIN, 'migrate', '--config', kitConfig], env: runnerEnv(dbs.kit.url, migrations), cwd: kitDir }),
        'node -e 0 (floor)': () => timeOk('node -e 0', { command: process.execPath, args: ['-e', '0'] }),
      };
      ctx.log('deploy: bringing each database up to date with its own tool (not timed)');
      for (const fn of [subjects['dbship deploy'], subjects['drizzle-orm migrate()'], subjects['drizzle-kit migrate']]) await fn();
      await assertUpToDate(dbs.dbship.query.bind(dbs.dbship));
      const samples = await interleave(subjects, { reps: ctx.reps(15), warmup: ctx.warmup });
      const floor = { name: 'node -e 0 (floor)', summary: summarize(samples['node -e 0 (floor)']!) };
      return Object.entries(samples).map(([name, values]) =>
        row(name, 'wall time', 'ms', summarize(values), name === floor.name ? undefined : floor, name === 'dbship deploy' ? 'target: within 2x the floor' : undefined),
      );
    } finally {
      for (const db of Object.values(dbs)) await db.drop();
    }
  },
};

async function assertUpToDate(query: (sql: string) => Promise<{ rows: { n: number }[] }>): Promise<void> {
  const { rows } = await query('SELECT count(*)::int AS n FROM dbship.migrations');
  if (!rows[0] || rows[0].n === 0) {
    throw new Error('deploy benchmark: the committed migrations folder is empty; there is nothing to be up to date with');
  }
}
