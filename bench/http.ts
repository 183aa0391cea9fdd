import path from 'node:path';
import type autocannon from 'autocannon';
import { loadConfig } from '../src/config.js';
import { freePort } from '../packages/dbship/src/dev/embedded.js';
import { upgrade } from '../packages/dbship/src/migrator/upgrade.js';
import { row, type Benchmark, type BenchContext, type ResultRow } from './lib/benchmark.js';
import { ensureBuilt, ROOT } from './lib/build.js';
import { runLoad, type LoadResult } from './lib/load.js';
import type { BenchDatabase } from './lib/server.js';
import { cpuMs, rssMiB, startService, type ServiceProcess } from './lib/service-process.js';
import { summarize, type Summary } from './lib/stats.js';

const SEEDED_USERS = 10_000;
const CONNECTIONS = 10;

/** A fresh database at the committed migrations, with users to read. */
async function prepareDatabase(db: BenchDatabase): Promise<void> {
  const config = loadConfig({ env: { DATABASE_URL: db.url, MIGRATIONS_DIR: path.join(ROOT, 'migrations'), HOSTNAME: 'bench' }, readDotEnv: false });
  await upgrade(config.engine);
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

/** One server under load: how it is started and which requests it gets. */
interface Subject {
  readonly name: string;
  readonly server: string;
  readonly requests: autocannon.Request[];
  /** The subject whose median throughput this one is compared with. */
  readonly peer?: string;
}

/**
 * Requests per second, latency and memory of the service's routes against real PostgreSQL, with
 * two peers measured in the same run: a Fastify hello-world (the HTTP ceiling) and a bare Fastify +
 * pg route sending the service's own query (the floor of a database route).
 */
export const benchmark: Benchmark = {
  name: 'http',
  title: 'HTTP service against PostgreSQL (autocannon)',
  method:
    `autocannon in the benchmark process, ${CONNECTIONS} connections, against the built service (\`node dist/app/server.js\`, `
    + `pool DB_POOL_MAX=10) at LOG_LEVEL=warn and at the default LOG_LEVEL=info, on a database at the committed migrations with `
    + `${SEEDED_USERS.toLocaleString('en-US')} users; each subject runs for BENCH_HTTP_SECONDS after a 1 s warm-up, rounds interleaved. `
    + 'Peers, plain JavaScript run by plain node: a Fastify hello-world (bench/peers/hello-server.mjs: no database, no logging), and '
    + 'a bare Fastify + pg route (bench/peers/bare-pg-route.mjs: the same SELECT and pool size, no validation, serialisation schema, '
    + 'readiness gate, logging or ORM). RSS is read from /proc after the last round. Load generator, servers and PostgreSQL share '
    + 'the machine, so absolute figures are lower bounds; the ratios are the comparable numbers.',
  async run(ctx: BenchContext): Promise<ResultRow[]> {
    ensureBuilt(ctx.log);
    const db = await ctx.server.createDatabase('http');
    const servers = new Map<string, ServiceProcess>();
    try {
      await prepareDatabase(db);
      const base = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, DB_POOL_MAX: '10', HOSTNAME: 'bench', MIGRATIONS_DIR: path.join(ROOT, 'migrations') };
      // Each server logs into a file, as a container runtime stores a container's output: a pipe
      // read by this process would charge the reading to the load generator.
      const logs = ctx.tempDir('dbship-bench-http-logs-');
      const start = async (name: string, script: string, env: NodeJS.ProcessEnv) => {
        const logFile = path.join(logs, `${name.replace(/[^a-z0-9]+/gi, '-')}.log`);
        servers.set(name, await startService({ name, args: [script], port: await freePort(), env, logFile }));
      };
      await start('hello-world', 'bench/peers/hello-server.mjs', { PATH: process.env.PATH });
      await start('bare pg route', 'bench/peers/bare-pg-route.mjs', base);
      await start('service (warn)', 'dist/app/server.js', { ...base, LOG_LEVEL: 'warn' });
      await start('service (info)', 'dist/app/server.js', { ...base, LOG_LEVEL: 'info' });
      const byId = scenarios()['GET /users/:id']!;
      const subjects: Subject[] = [
        { name: 'hello-world (ceiling)', server: 'hello-world', requests: [{ method: 'GET', path: '/hello' }] },
        { name: 'bare pg route GET /users/:id (floor)', server: 'bare pg route', requests: byId },
        { name: 'GET /users/:id', server: 'service (warn)', requests: byId, peer: 'bare pg route GET /users/:id (floor)' },
        { name: 'GET /users/:id, LOG_LEVEL=info', server: 'service (info)', requests: byId, peer: 'GET /users/:id' },
        ...Object.entries(scenarios()).filter(([n]) => n !== 'GET /users/:id').map(([name, requests]) => ({ name, server: 'service (warn)', requests })),
      ];
      const url = (s: Subject) => servers.get(s.server)!.baseUrl;
      const results: Record<string, LoadResult[]> = {};
      for (const s of subjects) {
        ctx.log(`http: warm-up ${s.name}`);
        await runLoad({ url: url(s), seconds: 1, connections: CONNECTIONS, requests: s.requests });
        results[s.name] = [];
      }
      const cpu: Record<string, number[]> = Object.fromEntries(subjects.map((s) => [s.name, []]));
      for (let round = 0; round < ctx.reps(3); round++) {
        for (const s of subjects) {
          const pid = servers.get(s.server)!.child.pid;
          const before = cpuMs(pid);
          const result = await runLoad({ url: url(s), seconds: ctx.httpSeconds, connections: CONNECTIONS, requests: s.requests });
          results[s.name]!.push(result);
          cpu[s.name]!.push(((cpuMs(pid) - before) * 1000) / result.completed);
        }
      }
      return [...toRows(subjects, results, cpu), ...memoryRows(servers)];
    } finally {
      for (const s of servers.values()) await s.stop();
      await db.drop();
    }
  },
};

function toRows(subjects: readonly Subject[], results: Record<string, LoadResult[]>, cpu: Record<string, number[]>): ResultRow[] {
  const rps = (name: string): Summary => summarize(results[name]!.map((r) => r.rps));
  const cpuPerRequest = (name: string): Summary => summarize(cpu[name]!);
  const ceiling = { name: 'hello-world', summary: rps('hello-world (ceiling)') };
  const rows: ResultRow[] = [];
  for (const s of subjects) {
    const rs = results[s.name]!;
    const failures = rs.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0);
    const completed = rs.reduce((sum, r) => sum + r.completed, 0);
    const note = `${completed.toLocaleString('en-US')} responses, ${failures} non-2xx/errors/timeouts`;
    const peer = s.peer ? { name: s.peer, summary: rps(s.peer) } : s.server === 'hello-world' ? undefined : ceiling;
    rows.push(row(s.name, 'throughput', 'req/s', rps(s.name), peer, note));
    rows.push(row(s.name, 'p99 latency', 'ms', summarize(rs.map((r) => r.p99)), undefined, `p50 median ${summarize(rs.map((r) => r.p50)).median.toFixed(1)} ms`));
    // The server's own CPU per response: the cost ratio, less disturbed by the machine's load.
    const cpuPeer = s.peer ? { name: s.peer, summary: cpuPerRequest(s.peer) } : undefined;
    rows.push(row(s.name, 'server CPU per request', 'us', cpuPerRequest(s.name), cpuPeer, 'user + system time of the server process / responses'));
  }
  return rows;
}

/** RSS of each server after the load, with the service compared to the hello-world. */
function memoryRows(servers: ReadonlyMap<string, ServiceProcess>): ResultRow[] {
  const mib = (name: string) => summarize([rssMiB(servers.get(name)!.child.pid)]);
  const hello = { name: 'hello-world', summary: mib('hello-world') };
  return [...servers.keys()].map((name) =>
    row(`${name}: RSS after load`, 'memory', 'MiB', mib(name), name === 'hello-world' ? undefined : hello));
}
