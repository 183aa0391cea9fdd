/**
 * `npm run bench [-- <name>...] [--update-docs] [--rows N]`: runs the benchmarks (all, or the named
 * ones), prints one table, and with --update-docs writes it into docs/performance.md. Benchmarks
 * marked `namedOnly` (online: minutes on a table of millions of rows) run only when named;
 * `--rows` sets the online benchmark's table size (default 5,000,000); BENCH_ONLINE_OPS=rename,fill
 * runs some of its operations only, BENCH_ONLINE_BACKFILL="batch=500 pause=5" throttles its backfills.
 *
 * PostgreSQL: BENCH_DATABASE_URL, else TEST_DATABASE_URL, else an embedded server started for the
 * run. BENCH_REPS overrides every benchmark's repetitions, BENCH_WARMUP the warm-up rounds (2),
 * BENCH_HTTP_SECONDS the length of each HTTP run (5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Benchmark, BenchContext } from './lib/benchmark.js';
import { ROOT } from './lib/build.js';
import { updateResults } from './lib/docs.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { openBenchServer } from './lib/server.js';
import { textTable, type Section } from './lib/table.js';
import { benchmark as concurrent } from './concurrent-deploys.js';
import { benchmark as deploy } from './deploy-noop.js';
import { benchmark as history } from './fresh-history.js';
import { benchmark as http } from './http.js';
import { benchmark as lint } from './lint.js';
import { benchmark as online } from './online.js';
import { benchmark as start } from './start.js';

const ALL: Benchmark[] = [deploy, start, history, concurrent, http, lint, online];
const DOC = path.join(ROOT, 'docs/performance.md');

function positiveInt(name: string, fallback: number | undefined): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number (got "${raw}")`);
  return n;
}

function select(names: string[]): Benchmark[] {
  if (names.length === 0) return ALL.filter((b) => !b.namedOnly);
  const unknown = names.filter((n) => !ALL.some((b) => b.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from: ${ALL.map((b) => b.name).join(', ')}`);
  }
  return ALL.filter((b) => names.includes(b.name));
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { 'update-docs': { type: 'boolean' }, list: { type: 'boolean' }, rows: { type: 'string' } }, allowPositionals: true });
  if (values.list) {
    for (const b of ALL) console.log(`${b.name.padEnd(12)} ${b.title}${b.namedOnly ? ' (only when named)' : ''}`);
    return 0;
  }
  const chosen = select(positionals);
  const reps = positiveInt('BENCH_REPS', undefined);
  const temp: string[] = [];
  const server = await openBenchServer();
  const stop = () => void server.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const ctx: BenchContext = {
    server,
    reps: (fallback) => reps ?? fallback,
    warmup: positiveInt('BENCH_WARMUP', 2)!,
    httpSeconds: positiveInt('BENCH_HTTP_SECONDS', 5)!,
    log: (line) => process.stderr.write(`bench: ${line}\n`),
    options: { rows: values.rows },
    tempDir: (prefix) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
      temp.push(dir);
      return dir;
    },
  };
  const sections: Section[] = [];
  let failed = false;
  try {
    const machine = machineInfo(await server.version(), server.origin);
    for (const b of chosen) {
      ctx.log(`${b.name}: ${b.title}`);
      try {
        sections.push({ name: b.name, title: b.title, rows: await b.run(ctx) });
      } catch (err) {
        failed = true;
        const reason = (err as Error).message.split('\n').slice(0, 3).join(' ');
        ctx.log(`${b.name} FAILED: ${(err as Error).message}`);
        sections.push({ name: b.name, title: b.title, rows: [], error: reason });
      }
    }
    console.log(`\n${describeMachine(machine).join('\n')}\n`);
    console.log(textTable(sections));
    console.log('\nHow each was measured:');
    for (const b of chosen) console.log(`- ${b.name}: ${b.method}`);
    if (values['update-docs']) {
      const command = `npm run bench${positionals.length ? ` -- ${positionals.join(' ')}` : ''}`;
      updateResults(DOC, sections, machine, command, ALL.map((b) => b.name));
      ctx.log(`wrote the table into ${path.relative(ROOT, DOC)}`);
    }
  } finally {
    await server.stop();
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

process.exitCode = await main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  return 2;
});
