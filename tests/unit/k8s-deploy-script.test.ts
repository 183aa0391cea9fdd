/**
 * scripts/deploy.sh: the manifest it applies for a given image, and the commands it runs,
 * checked with --print-manifest and --dry-run (no cluster, no container engine).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { findManifest, loadManifests, parseManifestFile, podTemplate } from '../../scripts/k8s/manifests.js';

const root = path.resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

async function deploy(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('bash', [path.join(root, 'scripts/deploy.sh'), ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('scripts/deploy.sh', () => {
  it('--image retargets both containers and DBSHIP_IMAGE, and changes nothing else', async () => {
    const image = 'registry.example.com/team/dbship:1.4.2';
    const res = await deploy(['--image', image, '--print-manifest']);
    assert.equal(res.code, 0, res.stderr);
    const rendered = parseManifestFile('rendered', res.stdout);
    const original = loadManifests(path.join(root, 'k8s'), root).filter((m) => m.file.endsWith('02-app.yaml'));
    const pod = podTemplate(findManifest(rendered, 'Deployment', 'dbship-app'));
    for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
      assert.equal(c.image, image, `${c.name} image`);
      assert.equal(c.env?.find((e) => e.name === 'DBSHIP_IMAGE')?.value, image, `${c.name} DBSHIP_IMAGE`);
    }
    const strip = (o: unknown) => JSON.parse(JSON.stringify(o).replaceAll(image, 'IMAGE').replaceAll('dbship:latest', 'IMAGE'));
    assert.deepEqual(rendered.map((m) => strip(m.object)), original.map((m) => strip(m.object)));
  });

  it('--migrate-job --print-manifest prints the Job with the image, and the dry run applies it and waits before the rollout', async () => {
    const image = 'registry.example.com/team/dbship:1.4.2';
    const printed = await deploy(['--image', image, '--migrate-job', '--print-manifest']);
    assert.equal(printed.code, 0, printed.stderr);
    const job = parseManifestFile('rendered', printed.stdout);
    assert.deepEqual(job.map((m) => `${m.kind}/${m.name}`), ['Job/dbship-migrate']);
    const c = podTemplate(job[0]!).containers[0]!;
    assert.equal(c.image, image);
    assert.equal(c.env?.find((e) => e.name === 'DBSHIP_IMAGE')?.value, image);
    const run = await deploy(['--dry-run', '--no-build', '--image', image, '--migrate-job']);
    assert.equal(run.code, 0, run.stderr);
    const order = ['kubectl delete job/dbship-migrate', 'k8s/jobs/migrate.yaml with image', 'waiting for job/dbship-migrate', 'k8s/02-app.yaml with image', 'kubectl rollout status'];
    const at = order.map((s) => run.stderr.indexOf(s));
    assert.ok(at.every((i) => i >= 0), run.stderr);
    assert.deepEqual([...at].sort((a, b) => a - b), at, `the Job is replaced and waited for before the rollout:\n${run.stderr}`);
  });

  const table = [
    { args: ['--dry-run'], code: 0, expect: [/^\+ docker build -t dbship:latest \.$/m, /^\+ kubectl apply -f k8s\/01-postgres\.yaml$/m, /kubectl rollout restart deployment\/dbship-app/, /kubectl rollout status deployment\/dbship-app/] },
    { args: ['--dry-run', '--no-build', '--image', 'reg.example.com/dbship:2'], code: 0, expect: [/02-app\.yaml with image reg\.example\.com\/dbship:2/], absent: [/docker build/, /rollout restart/] },
    { args: ['--dry-run', '--push', '--image', 'reg.example.com/dbship:2'], code: 0, expect: [/^\+ docker push reg\.example\.com\/dbship:2$/m] },
    { args: ['--image', 'bad image;rm -rf /', '--dry-run'], code: 2, expect: [/is not an image reference/, /fix:/] },
    { args: ['--bogus'], code: 2, expect: [/unknown option --bogus/] },
  ];
  for (const t of table) {
    it(`${t.args.join(' ')} -> exit ${t.code}`, async () => {
      const res = await deploy(t.args);
      assert.equal(res.code, t.code, res.stderr);
      for (const re of t.expect) assert.match(res.stderr, re);
      for (const re of t.absent ?? []) assert.doesNotMatch(res.stderr, re);
    });
  }
});
