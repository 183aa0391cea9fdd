import path from 'node:path';
import type autocannon from 'autocannon';
import { loadConfig } from '../packages/dbship/src/config.js';
import { freePort } from '../packages/dbship/src/dev/embedded.js';
import { upgrade } from '../packages/dbship/src/migrator/upgrade.js';
import { row, type Benchmark, type BenchContext, type ResultRow } from './lib/benchmark.js';
import { ROOT } from './lib/build.js';
import { runLoad, type LoadResult } from './lib/load.js';
import type { BenchDatabase } from './lib/server.js';
import { startService, type ServiceProcess } from './lib/service-process.js';
import { summarize } from './lib/stats.js';

const SEEDED_USERS = 10_000;
const CONNECTIONS = 10;

/** A fresh database at the committed migrations, with users to read. */
async function prepareDatabase(db: BenchDatabase): Promise<void> {
  const config = loadConfig({ env: { DATABASE_URL: db.url, MIGRATIONS_DIR: path.join(ROOT, 'migrations'), HOSTNAME: 'bench' }, readDotEnv: false });
  await upgrade(config);
  await db.query(
    `INSERT INTO users (email, name) SELECT 'seed' || g || '@example.com', 'Seed user ' || g FROM generate_series(1, $1::int) AS g`,
    [SEEDED_USERS],
  );
  await db.query('ANALYZE users');
}

/** The routes measured, as autocannon requests. */
function scenarios(): Record<string, autocannon.Request[]> {
  let n = 0;
  const run = Date.now().toString(36);
  return {
    'GET /users/:id': [{ method: 'GET', path: '/users/1', setupRequest: (req) => ({ ...req, path: `/users/${1 + Math.floor(Math.random() * SEEDED_USERS)}` }) }],
    'GET /users?limit=20': [{ method: 'GET', path: '/users?limit=20' }],
    'POST /users': [{
      method: 'POST',
      path: '/users',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ email: `bench-${run}-${n++}@example.com`, name: 'Bench', bio: null }) }),
    }],
  };
}

/**
 * Requests per second and latency of the service's routes against real PostgreSQL, with a Fastify
 * hello-world measured in the same run as the ceiling.
 */
export const benchmark: Benchmark = {
  name: 'http',
  title: 'HTTP service against PostgreSQL (autocannon)',
  method:
    `autocannon in the benchmark process, ${CONNECTIONS} connections, against the service (\`node --import tsx src/app/server.ts\`, `
    + `LOG_LEVEL=warn, pool DB_POOL_MAX=10) on a database at the committed migrations with ${SEEDED_USERS.toLocaleString('en-US')} users; `
    + 'each route runs for BENCH_HTTP_SECONDS after a 1 s warm-up, rounds interleaved. The ceiling is a Fastify hello-world '
    + '(bench/peers/hello-server.ts: no database, no schema, no logging) started the same way. Load generator, service and '
    + 'PostgreSQL share the machine, so absolute figures are lower bounds; the ratio to the ceiling is the comparable number.',
  async run(ctx: BenchContext): Promise<ResultRow[]> {
    const db = await ctx.server.createDatabase('http');
    const services: ServiceProcess[] = [];
    try {
      await prepareDatabase(db);
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, LOG_LEVEL: 'warn', DB_POOL_MAX: '10', HOSTNAME: 'bench' };
      const app = await startService({ name: 'service', args: ['--import', 'tsx', 'src/app/server.ts'], port: await freePort(), env });
      services.push(app);
      const hello = await startService({ name: 'hello-world', args: ['--import', 'tsx', 'bench/peers/hello-server.ts'], port: await freePort(), env: { PATH: process.env.PATH } });
      services.push(hello);
      const subjects: Record<string, { url: string; requests: autocannon.Request[] }> = {
        'hello-world (ceiling)': { url: hello.baseUrl, requests: [{ method: 'GET', path: '/hello' }] },
        ...Object.fromEntries(Object.entries(scenarios()).map(([name, requests]) => [name, { url: app.baseUrl, requests }])),
      };
      const results: Record<string, LoadResult[]> = {};
      for (const [name, s] of Object.entries(subjects)) {
        ctx.log(`http: warm-up ${name}`);
        await runLoad({ url: s.url, seconds: 1, connections: CONNECTIONS, requests: s.requests });
        results[name] = [];
      }
      for (let round = 0; round < ctx.reps(3); round++) {
        for (const [name, s] of Object.entries(subjects)) {
          results[name]!.push(await runLoad({ url: s.url, seconds: ctx.httpSeconds, connections: CONNECTIONS, requests: s.requests }));
        }
      }
      return toRows(results);
    } finally {
      for (const s of services) await s.stop();
      await db.drop();
    }
  },
};

function toRows(results: Record<string, LoadResult[]>): ResultRow[] {
  const ceiling = { name: 'hello-world', summary: summarize(results['hello-world (ceiling)']!.map((r) => r.rps)) };
  const rows: ResultRow[] = [];
  for (const [name, rs] of Object.entries(results)) {
    const failures = rs.reduce((s, r) => s + r.non2xx + r.errors + r.timeouts, 0);
    const completed = rs.reduce((s, r) => s + r.completed, 0);
    const note = `${completed.toLocaleString('en-US')} responses, ${failures} non-2xx/errors/timeouts`;
    const isCeiling = name.startsWith('hello-world');
    rows.push(row(name, 'throughput', 'req/s', summarize(rs.map((r) => r.rps)), isCeiling ? undefined : ceiling, note));
    rows.push(row(name, 'p99 latency', 'ms', summarize(rs.map((r) => r.p99)), undefined, `p50 median ${summarize(rs.map((r) => r.p50)).median.toFixed(1)} ms`));
  }
  return rows;
}
