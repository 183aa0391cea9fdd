import { spawn } from 'node:child_process';
import { row, type Benchmark, type BenchContext, type ResultRow } from './lib/benchmark.js';
import { ensureBuilt } from './lib/build.js';
import { BREAKPOINT, writeFolder, type FolderMigration } from './lib/migration-folder.js';
import { compilePeer } from './lib/peer.js';
import type { BenchDatabase } from './lib/server.js';
import { summarize } from './lib/stats.js';
import { runnerEnv } from './deploy-noop.js';

const PROCESSES = 20;

/** A short history ending in a data migration whose effect can be counted (exactly 1 row expected). */
function history(idempotentDdl: boolean): FolderMigration[] {
  const ine = idempotentDdl ? ' IF NOT EXISTS' : '';
  return [
    { name: 'create_accounts', sql: `CREATE TABLE${ine} "accounts" (\n\t"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,\n\t"email" text NOT NULL\n);\n` },
    { name: 'add_accounts_plan', sql: `ALTER TABLE "accounts" ADD COLUMN${ine} "plan" text DEFAULT 'free' NOT NULL;\n` },
    { name: 'seed_admin', sql: `INSERT INTO "accounts" ("email", "plan") VALUES ('admin@example.com', 'staff');\n` },
    { name: 'index_accounts_email', sql: `CREATE INDEX${ine} "accounts_email_idx" ON "accounts" ("email");${BREAKPOINT}\nSELECT 1;\n` },
  ];
}

interface Round {
  readonly ms: number;
  readonly failed: number;
  /** Rows the data migration inserted (1 = applied exactly once). */
  readonly seeded: number;
  /** Rows in the tool's tracking table (4 = each migration recorded once). */
  readonly recorded: number;
}

/** Spawns `PROCESSES` runners at once and waits for all; returns the time to converge and failures. */
async function stampede(args: string[], db: BenchDatabase, dir: string): Promise<{ ms: number; failed: number }> {
  const started = performance.now();
  const exits = Array.from({ length: PROCESSES }, (_, i) =>
    new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, args, { env: runnerEnv(db.url, dir, { HOSTNAME: `bench-${i}` }), stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('error', reject);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    }),
  );
  const codes = await Promise.all(exits);
  return { ms: performance.now() - started, failed: codes.filter((c) => c !== 0).length };
}

async function count(db: BenchDatabase, sql: string): Promise<number> {
  try {
    return (await db.query<{ n: number }>(sql)).rows[0]?.n ?? 0;
  } catch {
    return 0;
  }
}

/** 20 pods starting at once on a fresh database: dbship's lock vs drizzle's lock-free migrator. */
export const benchmark: Benchmark = {
  name: 'concurrent',
  title: `${PROCESSES} concurrent deploys on a fresh database`,
  method:
    `${PROCESSES} runner processes spawned at once against a new empty database (a Deployment scaled out, every pod's init container `
    + 'starting together); time until the last exits, processes that exited non-zero, and what the data migration did '
    + '(seeded rows: 1 = exactly once) and the tracking table holds (4 = each migration once). Two histories: DDL as drizzle-kit '
    + 'generates it, and hand-written "idempotent" DDL (IF NOT EXISTS), which lets a late runner re-apply the history.',
  async run(ctx: BenchContext): Promise<ResultRow[]> {
    const cli = ensureBuilt(ctx.log);
    const drizzleScript = compilePeer('drizzle-migrate');
    const rows: ResultRow[] = [];
    for (const idempotent of [false, true]) {
      const dir = writeFolder(ctx.tempDir('dbship-bench-stampede-'), history(idempotent));
      const variants = {
        dbship: { args: [cli, 'deploy', '--drift', 'off'], tracking: 'SELECT count(*)::int AS n FROM dbship.migrations' },
        'drizzle-orm migrate()': { args: [drizzleScript], tracking: 'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations' },
      };
      const rounds: Record<string, Round[]> = { dbship: [], 'drizzle-orm migrate()': [] };
      for (let r = 0; r < ctx.reps(3); r++) {
        for (const [name, v] of Object.entries(variants)) {
          const db = await ctx.server.createDatabase('stampede');
          try {
            const { ms, failed } = await stampede(v.args, db, dir);
            rounds[name]!.push({ ms, failed, seeded: await count(db, 'SELECT count(*)::int AS n FROM accounts'), recorded: await count(db, v.tracking) });
          } finally {
            await db.drop();
          }
        }
      }
      const ddl = idempotent ? 'IF NOT EXISTS DDL' : 'generated DDL';
      const peer = { name: `drizzle-orm migrate() x${PROCESSES}, ${ddl}`, summary: summarize(rounds['drizzle-orm migrate()']!.map((x) => x.ms)) };
      for (const [name, rs] of Object.entries(rounds)) {
        const subject = `${name} x${PROCESSES}, ${ddl}`;
        const note = `failed ${list(rs.map((x) => x.failed))} of ${PROCESSES}; seeded rows ${list(rs.map((x) => x.seeded))} (want 1); tracking rows ${list(rs.map((x) => x.recorded))} (want 4)`;
        rows.push(row(subject, 'converge', 'ms', summarize(rs.map((x) => x.ms)), subject === peer.name ? undefined : peer, note));
      }
    }
    return rows;
  },
};

/** `19/19/19`: one figure per round. */
function list(values: number[]): string {
  return values.join('/');
}
