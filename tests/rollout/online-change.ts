import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkRows, describeStats, newStats, sample, timed, until, type Expected, type Stats } from '../../bench/lib/online-traffic.js';
import { startService, type ServiceProcess } from '../../bench/lib/service-process.js';
import { freePort } from '../../packages/dbship/src/dev/embedded.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';
import { RELEASE_N } from './release.js';

/**
 * An online change under traffic from both releases, as a rolling update runs it: release N
 * serves; `dbship deploy` of release N+1 applies the expand and the batched backfill under N's
 * load and defers the contract (N's heartbeat); N+1 (the example service with its one-line model
 * change) starts and both serve together, each reading back the other's writes; N drains; the
 * next deploy runs the contract under N+1's load. Every request must succeed, and at the end every
 * row must hold the last value acknowledged for it, row by row.
 */

/** One online change, as the rollout runs it. */
export interface OnlineScenario {
  /** The test's title. */
  readonly title: string;
  readonly label: string;
  /** Release N+1's migrations folder (generated) and its contract's tag. */
  release(): Promise<{ dir: string; contract: string }>;
  /** Release N+1's `server.ts` (the service with the model change). */
  nextSource(): string;
  /** The `name` a client of release `label` writes on its i-th write (null: a NULL). */
  value(label: 'N' | 'N1', worker: number, i: number): string | null;
  /** What the row holds, and every release reads, after writing `written`. */
  stored(written: string | null): string | null;
  /** The physical column that holds `name` after the contract, and the one that must be gone (if any). */
  readonly finalColumn: string;
  readonly goneColumn?: string;
  /** What every release reads as `name` after the contract, as SQL over the row `t` (default: `t.<finalColumn>`). */
  readonly finalSql?: string;
  /** The seeded rows' value at the end: an SQL expression over `t.id`. */
  readonly seededSql: string;
  /**
   * Release N, when it is not the committed example service: its migrations folder (deployed first)
   * and its `server.ts`. Called once, before `release()`.
   */
  releaseN?(): Promise<{ dir: string; source: string }>;
  /** More checks of the schema once the contract ran. */
  finalCheck?(db: TestDatabase): Promise<void>;
}

const SEEDED = 20_000;
const WORKERS = 3;

async function call(stats: Stats, base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: { id: number; name: string | null } } | null> {
  return timed(stats, `${method} ${path}`, async () => {
    const res = await fetch(`${base}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(10_000) });
    const json = (await res.json()) as { id: number; name: string | null };
    if (res.status >= 300) throw new Error(`${res.status} ${JSON.stringify(json)}`);
    return { status: res.status, json };
  });
}

/**
 * One client of one release: creates users, renames rows it owns (its residue of the seeded ids,
 * and its own creations) and reads each write back through `readBack`, the other release when
 * both serve. No two clients of either release write the same row, so the last acknowledged value
 * of each row is known and a read-back can only differ if the releases disagree.
 */
async function client(s: OnlineScenario, expected: Expected, label: 'N' | 'N1', worker: number, base: () => string, readBack: () => string | null, stats: Stats, stop: () => boolean): Promise<void> {
  const owned: number[] = [];
  // A broken release fails fast: stop after a few failures rather than spin on a dead server.
  for (let i = 0; !stop() && stats.failed < 50; i++) {
    if (i % 4 === 0) {
      const name = s.value(label, worker, i);
      const made = await call(stats, base(), 'POST', '/users', { email: `${label}-${worker}-${i}-${process.pid}@example.org`, name });
      if (made) {
        owned.push(made.json.id);
        expected.set(made.json.id, s.stored(name));
      }
      continue;
    }
    // Six clients (two releases of WORKERS each) own disjoint residues of the seeded ids: N's worker
    // w the ids ≡ w, N+1's worker w the ids ≡ WORKERS + w (mod 2 × WORKERS).
    const slot = worker + (label === 'N1' ? WORKERS : 0);
    const seeded = 1 + slot + 2 * WORKERS * Math.floor(Math.random() * (SEEDED / (2 * WORKERS) - 1));
    const id = i % 4 === 1 && owned.length > 0 ? owned[Math.floor(Math.random() * owned.length)]! : seeded;
    const name = s.value(label, worker, i);
    const done = await call(stats, base(), 'PATCH', `/users/${id}`, { name });
    if (!done) continue;
    const want = s.stored(name);
    expected.set(id, want);
    const other = readBack();
    if (other === null) continue;
    const seen = await call(stats, other, 'GET', `/users/${id}`);
    if (seen && seen.json.name !== want) {
      stats.divergent++;
      sample(stats, `row ${id}: wrote ${JSON.stringify(name)} through ${label}, read ${JSON.stringify(seen.json.name)} through the other release (want ${JSON.stringify(want)})`);
    }
  }
}

/** The rollout of `s` under traffic from both releases, as one test. */
export function runOnlineScenario(scenario: OnlineScenario): void {
  describe(scenario.title, () => {
    let db: TestDatabase;
    const services: ServiceProcess[] = [];
    let releaseN = { dir: RELEASE_N, source: 'src/app/server.ts' };

    before(async () => {
      db = await createTestDatabase(`rollout_${scenario.label}`);
      if (scenario.releaseN) releaseN = await scenario.releaseN();
      const r = await runCliProcess(['deploy'], cliEnv(db.url, releaseN.dir));
      assert.equal(r.code, 0, r.stderr);
      // Every seventh seeded row has no name: the backfill has NULLs to carry over (or to fill).
      await db.query(`INSERT INTO users (email, name) SELECT 'seed' || g || '@example.org', CASE WHEN g % 7 = 0 THEN NULL ELSE 'Seed ' || g END FROM generate_series(1, ${SEEDED}) AS g`);
    });
    after(async () => {
      for (const s of services) await s.stop('SIGKILL');
      await db?.drop();
    });

    async function start(label: string, entry: string, migrationsDir: string): Promise<ServiceProcess> {
      // The service runs from the TypeScript sources of this checkout (the package's dbship-source export).
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, MIGRATIONS_DIR: migrationsDir, LOG_LEVEL: 'warn', HOSTNAME: label, DB_POOL_MAX: '4', RELEASE_HEARTBEAT_INTERVAL: '500ms', NODE_OPTIONS: '--conditions=dbship-source' };
      const s = await startService({ name: label, args: ['--import', 'tsx', entry], port: await freePort(), env });
      services.push(s);
      return s;
    }

    it('fails no request, loses no write and never shows one release a different value than the other', async (t) => {
      const release = await scenario.release();
      const expected: Expected = new Map();
      const n = await start('release-n', releaseN.source, releaseN.dir);
      let n1: ServiceProcess | null = null;
      let nServing = true;
      const phases = { expand: newStats(), both: newStats(), contract: newStats() };
      let phase: Stats = phases.expand;
      let stopN = false;
      let stopN1 = false;
      // Each client records into the stats of the phase it is in (`phase` switches as the rollout goes).
      const proxy = new Proxy({} as Stats, { get: (_, k) => phase[k as keyof Stats], set: (_, k, v) => ((phase as unknown as Record<string, unknown>)[k as string] = v, true) });
      const nLoad = Promise.all(Array.from({ length: WORKERS }, (_, w) => client(scenario, expected, 'N', w, () => n.baseUrl, () => (nServing && n1 ? n1.baseUrl : null), proxy, () => stopN)));
      let n1Load: Promise<unknown> = Promise.resolve();
      const steps: string[] = [];
      try {
      const expand = await runCliProcess(['deploy'], cliEnv(db.url, release.dir));
      assert.equal(expand.code, 0, expand.stderr);
      assert.match(expand.stdout + expand.stderr, new RegExp(`${release.contract} not applied yet`));
      steps.push('deploy of N+1 under N\'s load: expand and backfill applied, contract deferred (exit 0)');

      n1 = await start('release-n1', scenario.nextSource(), release.dir);
      phase = phases.both;
      n1Load = Promise.all(Array.from({ length: WORKERS }, (_, w) => client(scenario, expected, 'N1', w, () => n1!.baseUrl, () => (nServing ? n.baseUrl : null), proxy, () => stopN1)));
      steps.push('N+1 ready: both releases serve');
      await until(() => phases.both.requests >= 3_000 || phases.both.failed > 0, 120_000, '3,000 requests from both releases');

      stopN = true;
      nServing = false;
      await nLoad;
      // Let read-backs of N+1's clients that were already sent to N finish before N drains.
      await new Promise((r) => setTimeout(r, 1_000));
      const nExit = await n.stop('SIGTERM');
      assert.deepEqual(nExit, { code: 0, signal: null }, 'release N drains and exits 0');
      steps.push('release N drained and exited; its heartbeat row is gone');
      phase = phases.contract;
      const contract = await runCliProcess(['deploy'], cliEnv(db.url, release.dir));
      assert.equal(contract.code, 0, contract.stderr);
      assert.doesNotMatch(contract.stdout + contract.stderr, /not applied yet/);
      steps.push('next deploy under N+1\'s load: contract applied');
      await until(() => phases.contract.requests >= 500 || phases.contract.failed > 0, 60_000, '500 requests after the contract');
      } finally {
        stopN = true;
        stopN1 = true;
        await Promise.allSettled([nLoad, n1Load]);
      }

      for (const s of steps) t.diagnostic(s);
      t.diagnostic(describeStats('N during expand/backfill', phases.expand));
      t.diagnostic(describeStats('N and N+1 together', phases.both));
      t.diagnostic(describeStats('N+1 during contract', phases.contract));
      for (const [name, s] of Object.entries(phases)) {
        assert.equal(s.failed, 0, `${name}: failed requests: ${s.samples.join(' | ')}`);
        assert.equal(s.divergent, 0, `${name}: divergent read-backs: ${s.samples.join(' | ')}`);
      }

      // Row by row: every row holds the last value acknowledged for it; the others their seed.
      const rows = await checkRows(db, { table: 'users', key: 'id', column: scenario.finalColumn, valueSql: scenario.finalSql, expected, seededUpTo: SEEDED, seededSql: scenario.seededSql });
      t.diagnostic(`${rows.checked} rows checked, ${rows.written} of them written during the change, ${rows.lost} lost or divergent`);
      assert.deepEqual(rows.examples, [], 'no lost or divergent write');
      assert.equal(rows.lost, 0, 'no lost or divergent write');
      const cols = await db.query<{ column_name: string; is_nullable: string }>(`SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = 'users' ORDER BY column_name`);
      const names = cols.rows.map((c) => c.column_name);
      assert.ok(names.includes(scenario.finalColumn), `${scenario.finalColumn} exists`);
      if (scenario.goneColumn) assert.ok(!names.includes(scenario.goneColumn), `${scenario.goneColumn} was dropped by the contract`);
      assert.equal((await db.query(`SELECT 1 FROM pg_trigger WHERE tgname LIKE 'dbship_sync%'`)).rowCount, 0, 'the contract removed the trigger');
      await scenario.finalCheck?.(db);
    });
  });
}
