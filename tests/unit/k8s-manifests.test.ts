/**
 * The Kubernetes manifests in k8s/, checked offline (no cluster): schema validity, no unknown
 * fields, and the contracts between the manifests, the image and the code (verbs, config
 * variables, Secret keys, ports, probes, security).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadCommands } from '../../packages/dbship/src/cli/commands/index.js';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.js';
import { ExitCode } from '../../packages/dbship/src/exit-codes.js';
import { findManifest, loadManifests, podTemplate, type ContainerSpec, type Manifest, type PodTemplate } from '../../scripts/k8s/manifests.js';
import { envRecord, objectData, resolveContainerEnv } from '../../scripts/k8s/pod-env.js';
import { typecheckManifests } from '../../scripts/k8s/typecheck.js';
import { validateWithModels } from '../../scripts/k8s/validate-models.js';

const commands = await loadCommands();

const root = path.resolve(import.meta.dirname, '../..');
const manifests = loadManifests(path.join(root, 'k8s'), root);
const app = findManifest(manifests, 'Deployment', 'dbship-app');
const pod = podTemplate(app);
const initContainers = pod.initContainers ?? [];
const appContainer = pod.containers.find((c) => c.name === 'app');
const dbVariables = ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASS'] as const;

function container(name: string): ContainerSpec {
  const c = [...initContainers, ...pod.containers].find((x) => x.name === name);
  assert.ok(c, `dbship-app has no container named "${name}"`);
  return c;
}

function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  return Object.keys(selector ?? {}).length > 0 && Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

/** The port a probe or Service targets, resolved through the container's named ports. */
function resolvePort(c: ContainerSpec, port: number | string | undefined): number | undefined {
  return typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;
}

describe('k8s manifests: well-formed', () => {
  it('has the postgres and app objects, each named once per kind', () => {
    const ids = manifests.map((m) => `${m.kind}/${m.name}`);
    assert.equal(new Set(ids).size, ids.length, `duplicate objects: ${ids.join(', ')}`);
    for (const id of ['Secret/dbship-db', 'PersistentVolumeClaim/dbship-postgres-data', 'Deployment/dbship-postgres', 'Service/dbship-postgres', 'Deployment/dbship-app', 'Service/dbship-app']) {
      assert.ok(ids.includes(id), `missing ${id}`);
    }
    for (const m of manifests) assert.ok(m.apiVersion && m.kind && m.name, `${m.file} document ${m.index + 1} lacks apiVersion, kind or metadata.name`);
  });

  it('every object is valid against the Kubernetes OpenAPI schema (kubernetes-models)', async () => {
    assert.deepEqual(await validateWithModels(manifests), []);
  });

  it('no object has an unknown or mistyped field (kubernetes-types, tsc excess-property checks)', async () => {
    assert.deepEqual(await typecheckManifests(manifests), []);
  });

  it('every Deployment selects its own pod template and every Service selects some pod', () => {
    const templates = manifests.filter((m) => m.kind === 'Deployment');
    for (const d of templates) {
      const spec = d.object.spec as { selector: { matchLabels?: Record<string, string> }; template: { metadata?: { labels?: Record<string, string> } } };
      assert.ok(labelsMatch(spec.selector.matchLabels, spec.template.metadata?.labels), `${d.name}: selector does not match its template labels`);
    }
    for (const s of manifests.filter((m) => m.kind === 'Service')) {
      const selector = (s.object.spec as { selector?: Record<string, string> }).selector;
      const target = templates.filter((d) => labelsMatch(selector, (d.object.spec as { template: { metadata?: { labels?: Record<string, string> } } }).template.metadata?.labels));
      assert.equal(target.length, 1, `Service ${s.name} should select exactly one Deployment's pods (selects ${target.length})`);
    }
  });
});

describe('k8s manifests: the checks can fail', () => {
  const mutants: { what: string; mutate: (o: any) => void; path: RegExp }[] = [
    { what: 'misspelled container field', mutate: (o) => { o.spec.template.spec.containers[0].imagePullPolice = 'Always'; }, path: /containers\[0\]\.imagePullPolice$/ },
    { what: 'misspelled spec field next to a nested error', mutate: (o) => { o.spec.replica = 3; o.spec.template.spec.containers[0].ports[0].containerPort = '8000'; }, path: /^spec\.replica$/ },
    { what: 'misspelled probe field', mutate: (o) => { o.spec.template.spec.containers[0].readinessProbe.httpGet.paht = '/readyz'; }, path: /readinessProbe\.httpGet\.paht$/ },
    { what: 'misspelled secret reference field', mutate: (o) => { o.spec.template.spec.initContainers[0].env[0].valueFrom.secretKeyref = {}; }, path: /env\[0\]\.valueFrom\.secretKeyref$/ },
    { what: 'string where a number belongs', mutate: (o) => { o.spec.template.spec.containers[0].ports[0].containerPort = '8000'; }, path: /ports\[0\]\.containerPort$/ },
  ];

  it('the type check reports each mutation at its path (one compiler run for all)', async () => {
    const broken: Manifest[] = mutants.map((m, i) => {
      const object = structuredClone(app.object) as any;
      object.metadata.name = `mutant-${i}`;
      m.mutate(object);
      return { ...app, name: `mutant-${i}`, object };
    });
    const problems = await typecheckManifests(broken);
    mutants.forEach((m, i) => {
      const mine = problems.filter((p) => p.manifest.startsWith(`Deployment/mutant-${i} `));
      assert.ok(mine.some((p) => m.path.test(p.path)), `${m.what}: expected a problem at ${m.path}, got ${JSON.stringify(mine)}`);
    });
  });

  it('the schema check reports a wrong type and a missing required field', async () => {
    const wrongType = structuredClone(app.object) as any;
    wrongType.spec.replicas = 'two';
    const noContainers = structuredClone(app.object) as any;
    delete noContainers.spec.template.spec.containers;
    const problems = await validateWithModels([{ ...app, object: wrongType }, { ...app, name: 'other', object: noContainers }]);
    assert.equal(problems.length, 2, JSON.stringify(problems));
    assert.match(problems[0]!.message, /replicas must be integer/);
    assert.match(problems[1]!.message, /containers/);
  });
});

describe('k8s manifests: contracts with the code and the image', () => {
  it('the init container runs `dbship deploy`, a registered verb, with options the verb accepts', () => {
    assert.equal(initContainers.length, 1, 'exactly one init container: the migration runner');
    const command = [...(initContainers[0]!.command ?? []), ...(initContainers[0]!.args ?? [])];
    const argv = command[0] === 'dbship' ? command.slice(1) : command[0] === 'node' && command[1] === 'dist/cli/main.js' ? command.slice(2) : undefined;
    assert.ok(argv, `the init container must run dbship (\`dbship ...\` or \`node dist/cli/main.js ...\`), not ${JSON.stringify(command)}`);
    assert.equal(argv[0], 'deploy');
    const verb = commands.find((c) => c.name === argv[0]);
    assert.ok(verb, `"${argv[0]}" is not a dbship verb (registered: ${commands.map((c) => c.name).join(', ')})`);
    for (const arg of argv.slice(1).filter((a) => a.startsWith('--'))) {
      assert.ok(arg.slice(2).split('=')[0]! in verb.options, `dbship ${verb.name} has no option ${arg}`);
    }
  });

  it('the app container runs the image CMD, the same image as the init container, on the image user', () => {
    assert.ok(appContainer, 'dbship-app has a container named "app"');
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1];
    assert.ok(cmd, 'the Dockerfile has an exec-form CMD');
    assert.deepEqual(appContainer.command, JSON.parse(cmd));
    for (const c of initContainers) assert.equal(c.image, appContainer.image, `init container ${c.name} uses another image than the app`);
    const user = /^USER\s+(\d+)(?::(\d+))?\s*$/m.exec(dockerfile);
    assert.ok(user, 'the Dockerfile sets a numeric USER (runAsNonRoot can only verify a numeric one)');
    assert.equal(pod.securityContext?.runAsUser, Number(user[1]));
    if (user[2]) assert.equal(pod.securityContext?.runAsGroup, Number(user[2]));
  });

  for (const name of ['migrate', 'app']) {
    it(`${name}: every DB variable is provided, every variable is one the configuration reads (src/config.ts and the engine settings), and the config loads`, () => {
      const c = container(name);
      const env = resolveContainerEnv(c, manifests);
      assert.deepEqual(env.missing, [], 'every non-optional Secret/ConfigMap reference exists in k8s/');
      for (const v of dbVariables) assert.ok(env.vars.has(v), `${name} lacks ${v}`);
      const known = new Set<string>(CONFIG_VARIABLES);
      for (const v of env.vars.keys()) assert.ok(known.has(v), `${name} sets ${v}, which the configuration does not read (a typo?)`);
      assert.ok(!env.vars.has('HOSTNAME'), 'HOSTNAME must be left to Kubernetes (the pod name, recorded in the migration history)');
      assert.equal(env.vars.get('DBSHIP_IMAGE')?.value, c.image, 'DBSHIP_IMAGE names the image the container runs');
      const config = loadConfig({ env: envRecord(env), readDotEnv: false });
      assert.ok(config.db, 'the database is configured (not the embedded local server)');
      const service = findManifest(manifests, 'Service', config.db.host);
      const ports = (service.object.spec as { ports: { port: number }[] }).ports.map((p) => p.port);
      assert.ok(ports.includes(config.db.port), `DB_PORT ${config.db.port} is not a port of Service ${service.name}`);
    });
  }

  it('passwords come only from the Secret, and migration credentials only reach the init container', () => {
    for (const c of [...initContainers, ...pod.containers]) {
      for (const v of resolveContainerEnv(c, manifests).vars.values()) {
        if (/PASS|PASSWORD|SECRET|TOKEN|DATABASE_URL/.test(v.name)) assert.equal(v.source.kind, 'secret', `${c.name}: ${v.name} must come from a Secret (secretKeyRef)`);
      }
    }
    const appEnv = resolveContainerEnv(container('app'), manifests);
    const appRefs = (container('app').env ?? []).map((e) => e.name);
    for (const v of ['MIGRATE_DB_USER', 'MIGRATE_DB_PASS']) {
      assert.ok(!appEnv.vars.has(v) && !appRefs.includes(v), `the app container must not get ${v}`);
    }
  });

  it('the Postgres pod reads its credentials from the same Secret keys as dbship', () => {
    const pg = podTemplate(findManifest(manifests, 'Deployment', 'dbship-postgres')).containers[0]!;
    const env = resolveContainerEnv(pg, manifests);
    assert.deepEqual(env.missing, []);
    const secret = objectData(manifests, 'Secret', 'dbship-db')!;
    assert.equal(env.vars.get('POSTGRES_DB')?.value, secret.DB_NAME);
    assert.equal(env.vars.get('POSTGRES_USER')?.value, secret.DB_USER);
    assert.equal(env.vars.get('POSTGRES_PASSWORD')?.value, secret.DB_PASS);
  });

  it('ports agree: app default 8000, container port, probes, Service port and NodePort 30080', () => {
    const c = container('app');
    const defaults = loadConfig({ env: {}, readDotEnv: false });
    const config = loadConfig({ env: envRecord(resolveContainerEnv(c, manifests)), readDotEnv: false });
    assert.equal(defaults.http.port, 8000);
    assert.equal(config.http.port, 8000);
    assert.deepEqual(c.ports?.map((p) => p.containerPort), [8000]);
    const probes = { readinessProbe: '/readyz', livenessProbe: '/healthz', startupProbe: '/healthz' } as const;
    for (const [probe, route] of Object.entries(probes)) {
      const p = c[probe as keyof typeof probes];
      if (probe === 'startupProbe' && !p) continue;
      assert.equal(p?.httpGet?.path, route, `${probe} hits ${route}`);
      assert.equal(resolvePort(c, p?.httpGet?.port), 8000, `${probe} targets the app port`);
    }
    const svc = findManifest(manifests, 'Service', 'dbship-app').object.spec as { type: string; ports: { port: number; targetPort: number | string; nodePort?: number }[] };
    assert.equal(svc.type, 'NodePort');
    assert.equal(svc.ports.length, 1);
    assert.equal(svc.ports[0]!.nodePort, 30080);
    assert.equal(resolvePort(c, svc.ports[0]!.targetPort), 8000);
  });

  it('pods are hardened: non-root, read-only root, no privilege escalation, no capabilities, resource limits', () => {
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.ok((pod.securityContext?.runAsUser ?? 0) > 0, 'a numeric non-root runAsUser');
    for (const c of [...initContainers, ...pod.containers]) {
      const sc = c.securityContext as { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } } | undefined;
      assert.equal(sc?.readOnlyRootFilesystem, true, `${c.name}: readOnlyRootFilesystem`);
      assert.equal(sc?.allowPrivilegeEscalation, false, `${c.name}: allowPrivilegeEscalation`);
      assert.deepEqual(sc?.capabilities?.drop, ['ALL'], `${c.name}: drop ALL capabilities`);
      const resources = (c as { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }).resources;
      assert.ok(resources?.requests?.cpu && resources.requests.memory && resources.limits?.memory, `${c.name}: cpu/memory requests and a memory limit`);
    }
  });

  it('rollouts keep serving: >= 2 replicas, no unavailable pod during an update, a drain period', () => {
    const spec = app.object.spec as { replicas: number; strategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } } };
    assert.ok(spec.replicas >= 2, 'at least two replicas');
    assert.equal(spec.strategy?.type, 'RollingUpdate');
    assert.equal(spec.strategy?.rollingUpdate?.maxUnavailable, 0);
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    assert.ok(grace >= 10 && grace <= 120, `terminationGracePeriodSeconds ${grace} should leave time to drain, but not stall rollouts`);
  });
});

describe('k8s/jobs/migrate.yaml: the migration step as a Job (long backfills)', () => {
  const jobs = loadManifests(path.join(root, 'k8s/jobs'), root);
  const job = findManifest(jobs, 'Job', 'dbship-migrate');
  const jobPod = podTemplate(job) as PodTemplate & { restartPolicy?: string; volumes?: unknown };
  const spec = job.object.spec as { backoffLimit?: number; activeDeadlineSeconds?: number; podFailurePolicy?: { rules: { action: string; onExitCodes?: { containerName?: string; operator: string; values: number[] } }[] } };

  it('is valid (schema and fields) and is not applied by `kubectl apply -f k8s/`', async () => {
    assert.deepEqual(await validateWithModels(jobs), []);
    assert.deepEqual(await typecheckManifests(jobs), []);
    assert.ok(!manifests.some((m) => m.kind === 'Job'), 'no Job in k8s/ itself: its pod template cannot change once created, so deploy.sh replaces it per image');
  });

  it('runs exactly what the init container runs: image, command, settings, resources, security, user', () => {
    assert.equal(jobPod.containers.length, 1);
    const c = jobPod.containers[0]!;
    const init = container('migrate');
    const comparable = (x: ContainerSpec) => ({ ...x, env: undefined, name: undefined });
    assert.deepEqual(comparable(c), comparable(init), 'the Job container and the init container differ');
    const all = [...manifests, ...jobs];
    const env = (x: ContainerSpec) => [...resolveContainerEnv(x, all).vars.entries()].map(([k, v]) => [k, v.value ?? v.source]);
    assert.deepEqual(env(c), env(init), 'the Job resolves the same environment as the init container');
    assert.deepEqual(jobPod.securityContext, pod.securityContext);
    assert.deepEqual(jobPod.volumes, (pod as { volumes?: unknown }).volumes);
  });

  it('retries what a retry can fix, fails at once on what it cannot, and has no deadline', () => {
    assert.equal(jobPod.restartPolicy, 'Never', 'podFailurePolicy needs restartPolicy Never');
    assert.equal(spec.activeDeadlineSeconds, undefined, 'a backfill of many million rows may take hours');
    assert.ok((spec.backoffLimit ?? 6) >= 3, 'a killed pod is retried (the backfill resumes)');
    const failJob = spec.podFailurePolicy?.rules.find((r) => r.action === 'FailJob')?.onExitCodes;
    assert.equal(failJob?.containerName, 'migrate');
    assert.equal(failJob?.operator, 'In');
    assert.deepEqual(failJob?.values, [ExitCode.Usage, ExitCode.Integrity, ExitCode.ProblemsFound, ExitCode.Internal]);
    assert.ok(spec.podFailurePolicy?.rules.some((r) => r.action === 'Ignore'), 'an eviction does not count against backoffLimit');
  });
});
