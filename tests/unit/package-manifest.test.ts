import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PEERS } from '../../packages/dbship/src/peers.js';

const root = path.resolve(import.meta.dirname, '../..');
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

  it('`dbship` at the repository root runs right after npm ci, with no build (the bin runs the source)', () => {
    const bin = path.join(root, 'node_modules/.bin/dbship');
    const r = spawnSync(bin, ['--help'], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /usage: dbship <command>/);
    assert.equal(readlinkSync(bin), `../dbship/${manifest.bin.dbship}`, 'npm linked the package bin');
  });
});
