import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PEERS } from '../../packages/dbship/src/peers.js';

const root = path.resolve(import.meta.dirname, '../..');
const semver = createRequire(import.meta.url)('semver') as { satisfies(version: string, range: string): boolean; subset(sub: string, sup: string): boolean };
const manifest = JSON.parse(readFileSync(path.join(root, 'packages/dbship/package.json'), 'utf8')) as {
  bin: Record<string, string>;
  engines: { node: string };
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

describe('the dbship package manifest', () => {
  it('declares every optional peer with the range its missing-peer error tells users to install', () => {
    const declared = Object.fromEntries(Object.entries(PEERS).map(([name, peer]) => [name, peer.range]));
    assert.deepEqual(manifest.peerDependencies, declared);
    for (const name of Object.keys(PEERS)) assert.equal(manifest.peerDependenciesMeta[name]?.optional, true, `${name} is optional`);
  });

  it('the repository (the example and the tool) declares the same Node versions', () => {
    const example = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
    assert.equal(example.engines.node, manifest.engines.node);
  });

  it('declares the current LTS lines (22, 24) and keeps 20; the image is based on one of them', () => {
    for (const version of ['20.12.0', '22.0.0', '24.0.0']) assert.ok(semver.satisfies(version, manifest.engines.node), `${version} is not in ${manifest.engines.node}`);
    const image = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
    assert.ok(image && ['22', '24'].includes(image[1]!), `the image's base is ${image?.[0]}`);
  });

  it('regression: npm install warned EBADENGINE (cookie@2 wants Node >= 22); every locked package accepts every Node version declared', () => {
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
    const disagree = Object.entries(lock.packages)
      .map(([name, p]) => [name, Array.isArray(p.engines) ? undefined : p.engines?.node] as const)
      .filter(([name, node]) => name !== '' && node !== undefined && !semver.subset(manifest.engines.node, node))
      .map(([name, node]) => `${name} wants node ${node}`);
    assert.deepEqual(disagree, []);
  });

  it('`dbship` at the repository root runs right after npm ci, with no build (the bin runs the source)', () => {
    const bin = path.join(root, 'node_modules/.bin/dbship');
    // Without the npm_* variables of an `npx` / `npm test` that started this test: dbship would
    // rightly write its usage in that form.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
    const r = spawnSync(bin, ['--help'], { cwd: root, encoding: 'utf8', env: { ...env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /usage: dbship <command>/);
    assert.equal(readlinkSync(bin), `../dbship/${manifest.bin.dbship}`, 'npm linked the package bin');
  });
});
