import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../packages/dbship/src/dev/embedded.js';
import { startService, type ServiceProcess } from '../../bench/lib/service-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, runCliProcess, tempDir } from '../helpers/migrations.js';
import { startNginx, type Nginx } from './nginx.js';
import { RELEASE_N, releaseNPlus1 } from './release.js';
import { burst, describePhase, dropped, newPhase, trafficUntil, type Acknowledged, type PhaseStats } from './traffic.js';

/**
 * Zero-downtime rolling deploy on loopback, as Kubernetes runs it: nginx in front of two processes
 * of release N under steady load; `dbship deploy` applies release N+1's expand-only migrations
 * while N serves; two N+1 processes start and turn ready; nginx switches upstreams (reload); the
 * N processes get SIGTERM and drain. No request may fail or be dropped, and every acknowledged
 * write must be in the database afterwards.
 */

const SEEDED = 2_000;
const LOAD = { connections: 8, amount: 400, maxId: SEEDED };

describe('rolling deploy under load', () => {
  let db: TestDatabase;
  let nginx: Nginx | undefined;
  const services: ServiceProcess[] = [];

  before(async () => {
    db = await createTestDatabase('rollout');
    const r = await runCliProcess(['deploy'], cliEnv(db.url, RELEASE_N));
    assert.equal(r.code, 0, r.stderr);
    await db.query(`INSERT INTO users (email, name) SELECT 'seed' || g || '@example.org', 'Seed ' || g FROM generate_series(1, ${SEEDED}) AS g`);
  });

  after(async () => {
    await nginx?.stop();
    for (const s of services) await s.stop('SIGKILL');
    await db.drop();
  });

  async function release(label: string, migrationsDir: string): Promise<ServiceProcess> {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, MIGRATIONS_DIR: migrationsDir, LOG_LEVEL: 'warn', HOSTNAME: label, DB_POOL_MAX: '5' };
    const s = await startService({ name: label, args: ['--import', 'tsx', 'src/app/server.ts'], port: await freePort(), env });
    services.push(s);
    return s;
  }

  /** What Kubernetes does: migrate (init container), start N+1 and wait for ready, switch traffic, stop N. */
  async function rollOut(oldPods: ServiceProcess[], nextDir: string, steps: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null }[]> {
    const deploy = await runCliProcess(['deploy'], cliEnv(db.url, nextDir));
    assert.equal(deploy.code, 0, deploy.stderr);
    steps.push(`migrations of N+1 applied while N served (deploy exit ${deploy.code})`);
    const newPods = [await release('release-n1-a', nextDir), await release('release-n1-b', nextDir)];
    steps.push('N+1 processes ready (/readyz 200)');
    await nginx!.switchUpstreams(newPods.map((s) => s.port));
    steps.push('nginx reloaded onto N+1; its old workers drained');
    const exits = await Promise.all(oldPods.map((s) => s.stop('SIGTERM')));
    steps.push(`N processes drained and exited (${exits.map((e) => e.code).join(', ')})`);
    return exits;
  }

  it('serves every request and keeps every acknowledged write while N+1 replaces N', async (t) => {
    const tag = `${process.pid}-${Date.now().toString(36)}`;
    const oldPods = [await release('release-n-a', RELEASE_N), await release('release-n-b', RELEASE_N)];
    nginx = await startNginx(path.join(tempDir('dbship-nginx-'), 'nginx'), await freePort(), oldPods.map((s) => s.port));
    const phases = { before: newPhase('before'), during: newPhase('during'), after: newPhase('after') };
    for (let i = 0; i < 3; i++) await burst(nginx.baseUrl, phases.before, { ...LOAD, tag: `${tag}-b` });

    const steps: string[] = [];
    const rollout = rollOut(oldPods, releaseNPlus1(tempDir('dbship-release-n1-')), steps);
    await trafficUntil(rollout, nginx.baseUrl, phases.during, { ...LOAD, tag: `${tag}-d`, maxBursts: 500 });
    const exits = await rollout;
    await burst(nginx.baseUrl, phases.during, { ...LOAD, tag: `${tag}-d2` });
    for (let i = 0; i < 3; i++) await burst(nginx.baseUrl, phases.after, { ...LOAD, tag: `${tag}-a` });

    for (const s of steps) t.diagnostic(s);
    for (const p of Object.values(phases)) t.diagnostic(describePhase(p));
    for (const e of exits) assert.deepEqual(e, { code: 0, signal: null }, 'release N exits 0 after draining');
    for (const p of Object.values(phases)) assertClean(p, nginx.errorLog());
    assert.ok(phases.during.completed >= LOAD.amount, 'the rollout happened under load');

    await assertWritesStored(db, Object.values(phases).flatMap((p) => p.acknowledged));
    const schema = await db.query("SELECT (SELECT count(*)::int FROM dbship.migrations) AS applied, (SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('users_created_at_idx')) AS index_valid, (SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname') AS nickname");
    assert.deepEqual(schema.rows[0], { applied: 4, index_valid: true, nickname: 1 });
  });
});

/** Every write the service acknowledged (201) is in the database with the email it was given. */
async function assertWritesStored(db: TestDatabase, acknowledged: Acknowledged[]): Promise<void> {
  assert.ok(acknowledged.length > 0);
  const { rows } = await db.query<{ id: string; email: string }>('SELECT id::text, email FROM users WHERE id = ANY($1::bigint[])', [acknowledged.map((a) => a.id)]);
  const stored = new Map(rows.map((r) => [Number(r.id), r.email]));
  const missing = acknowledged.filter((a) => stored.get(a.id) !== a.email);
  assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged writes are missing`);
}

function assertClean(p: PhaseStats, nginxLog: string): void {
  const statuses = JSON.stringify(Object.fromEntries(p.statuses));
  assert.equal(p.non2xx, 0, `${p.name}: ${p.non2xx} non-2xx responses (statuses ${statuses}); nginx log:\n${nginxLog.slice(-2000)}`);
  assert.equal(dropped(p), 0, `${p.name}: ${p.errors} requests lost their connection and ${p.timeouts} timed out`);
  assert.equal(p.completed, p.sent, `${p.name}: ${p.sent} requests sent, ${p.completed} answered`);
  assert.deepEqual(p.errorSamples, [], `${p.name}: errors`);
}
