import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { row, type Benchmark, type BenchContext, type ResultRow } from './lib/benchmark.js';
import { ROOT } from './lib/build.js';
import { interleave, timeProcess } from './lib/process-timer.js';
import { summarize } from './lib/stats.js';

const STATEMENTS = 5_000;
const LINT_MODULE = path.join(ROOT, 'packages/dbship/src/migrator/lint/index.ts');
const SQUAWK = path.join(ROOT, 'node_modules/.bin/squawk');

/** The part of the lint API (packages/dbship/src/migrator/lint/index.ts) this benchmark calls. */
interface LintModule {
  lintSql(sql: string, options: { file: string; transactional?: boolean }): Promise<unknown[]>;
}

/** A migration-like file: the statements a long history holds, safe and dangerous ones mixed. */
export function largeSqlFile(statements: number): string {
  const out: string[] = [];
  for (let i = 0; out.length < statements; i++) {
    const t = `t${i}`;
    out.push(
      `CREATE TABLE "${t}" ("id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY, "name" text NOT NULL, "created_at" timestamp with time zone DEFAULT now() NOT NULL);`,
      `ALTER TABLE "${t}" ADD COLUMN "note" text;`,
      `ALTER TABLE "users" ADD COLUMN "flag_${i}" boolean DEFAULT false NOT NULL;`,
      `CREATE INDEX "users_flag_${i}_idx" ON "users" USING btree ("flag_${i}");`,
      `ALTER TABLE "users" ALTER COLUMN "name_${i}" SET DATA TYPE varchar(200);`,
      `UPDATE "users" SET "flag_${i}" = true WHERE "id" < 1000;`,
      `ALTER TABLE "users" ADD CONSTRAINT "users_flag_${i}_check" CHECK ("flag_${i}" IS NOT NULL);`,
      `DROP INDEX IF EXISTS "old_${i}_idx";`,
    );
  }
  return `${out.slice(0, statements).join('\n--> statement-breakpoint\n')}\n`;
}

/** Statements per second: dbship's lint (PostgreSQL's own parser in WebAssembly) vs squawk (Rust). */
export const benchmark: Benchmark = {
  name: 'lint',
  title: `lint throughput, one ${STATEMENTS.toLocaleString('en-US')}-statement file`,
  method:
    `One generated file of ${STATEMENTS} migration statements (new tables, added columns, plain CREATE INDEX on an existing table, `
    + 'type changes, backfills, constraints). dbship: `lintSql()` in-process after warm-up (parse with libpg-query + rules). '
    + 'Peer: the `squawk` binary on the same file (`--reporter json`), timed from spawn to exit, so its figure includes its process start '
    + '(a few ms); the two rule sets differ, so the finding counts differ. Throughput = statements / median time.',
  async run(ctx: BenchContext): Promise<ResultRow[]> {
    if (!existsSync(LINT_MODULE)) throw new Error('packages/dbship/src/migrator/lint/index.ts does not exist yet (the lint API is not in this checkout)');
    const lint = (await import(pathToFileURL(LINT_MODULE).href)) as LintModule;
    const file = path.join(ctx.tempDir('dbship-bench-lint-'), 'large.sql');
    const sql = largeSqlFile(STATEMENTS);
    writeFileSync(file, sql);
    const findings = { dbship: 0, squawk: 0 };
    const samples = await interleave(
      {
        'dbship lintSql()': async () => {
          const started = performance.now();
          const result = await lint.lintSql(sql, { file });
          const ms = performance.now() - started;
          findings.dbship = result.length;
          return ms;
        },
        squawk: async () => {
          const run = await timeProcess({ command: SQUAWK, args: ['--reporter', 'json', file], timeoutMs: 300_000 });
          if (run.code !== 0 && run.code !== 1) throw new Error(`squawk exited with ${run.code}: ${run.stderr.slice(0, 500)}`);
          findings.squawk = countSquawkFindings(run.stdout);
          return run.ms;
        },
      },
      { reps: ctx.reps(7), warmup: ctx.warmup },
    );
    const perSecond = (values: number[]) => values.map((ms) => STATEMENTS / (ms / 1000));
    const dbship = summarize(perSecond(samples['dbship lintSql()']!));
    const squawk = summarize(perSecond(samples.squawk!));
    return [
      row('dbship lintSql()', 'throughput', 'stmt/s', dbship, { name: 'squawk', summary: squawk }, `${findings.dbship} findings; median ${summarize(samples['dbship lintSql()']!).median.toFixed(0)} ms`),
      row('squawk', 'throughput', 'stmt/s', squawk, undefined, `${findings.squawk} findings; median ${summarize(samples.squawk!).median.toFixed(0)} ms incl. process start`),
    ];
  },
};

function countSquawkFindings(stdout: string): number {
  try {
    const parsed = JSON.parse(stdout) as unknown;
    return Array.isArray(parsed) ? parsed.length : 0;
  } catch {
    return 0;
  }
}
