/**
 * Installs packages into a throw-away project without the network: from the tarballs that
 * `npm ci` of this repository put in the machine's npm cache.
 *
 * `npm install --offline` alone is not enough on a clean machine: `npm ci` caches tarballs but
 * not the registry metadata that resolving a version range needs. So the project gets a lockfile
 * cut from this repository's own (the same versions, each with its tarball URL and integrity),
 * which `npm ci --offline` and `npm install --offline` install from the cache alone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface LockEntry {
  version: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}
type Packages = Record<string, LockEntry>;

const root = path.resolve(import.meta.dirname, '../..');
const repoPackages = (): Packages => (JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Packages }).packages;

/**
 * Writes `package.json` and `package-lock.json` for a project that depends on `deps` and
 * `devDeps` (names), at the versions this repository locks.
 */
export function writeLockedProject(dir: string, deps: string[], devDeps: string[]): void {
  const repo = repoPackages();
  const pin = (names: string[]) => Object.fromEntries(names.map((n) => [n, entryOf(repo, '', n).version]));
  const manifest = { name: 'fresh-drizzle-app', version: '1.0.0', private: true, type: 'module', dependencies: pin(deps), devDependencies: pin(devDeps) };
  const packages: Packages = { '': { version: manifest.version, dependencies: manifest.dependencies, devDependencies: manifest.devDependencies } as unknown as LockEntry };
  for (const name of [...deps, ...devDeps]) addClosure(repo, packages, '', name);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeLock(dir, packages);
}

/**
 * Adds to the project's lockfile the packages that the local package `from` (a folder of this
 * repository, e.g. packages/dbship) depends on, so that `npm install --offline <its tarball>`
 * finds every dependency already resolved.
 */
export function lockDependenciesOf(dir: string, from: string): void {
  const repo = repoPackages();
  const own = repo[from];
  if (!own) throw new Error(`${from} is not in this repository's package-lock.json`);
  const lock = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')) as { packages: Packages };
  for (const name of Object.keys(own.dependencies ?? {})) addClosure(repo, lock.packages, from, name);
  writeLock(dir, lock.packages);
}

/** Copies `name` as `from` resolves it, and everything it needs, keeping the nesting. */
function addClosure(repo: Packages, into: Packages, from: string, name: string): void {
  const key = keyOf(repo, from, name);
  if (!key) throw new Error(`${name} (needed by ${from || 'the project'}) is not in this repository's package-lock.json`);
  const target = key.startsWith(`${from}/`) && from.startsWith('packages/') ? key.slice(from.length + 1) : key;
  if (into[target]) return;
  const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = repo[key]!;
  into[target] = { ...entry, resolved: entry.resolved ?? tarballUrl(target, entry.version) };
  const needs = { ...entry.dependencies, ...entry.optionalDependencies };
  for (const dep of Object.keys(needs)) {
    if (keyOf(repo, key, dep)) addClosure(repo, into, key, dep);
    else if (!entry.optionalDependencies?.[dep]) throw new Error(`${dep} (needed by ${key}) is not locked`);
  }
  for (const dep of Object.keys(entry.peerDependencies ?? {})) {
    if (!entry.peerDependenciesMeta?.[dep]?.optional && keyOf(repo, key, dep)) addClosure(repo, into, key, dep);
  }
}

/** Node's lookup: `from`/node_modules/name, then each enclosing node_modules folder. */
function keyOf(repo: Packages, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (repo[key] && !repo[key].link) return key;
    if (!dir) return undefined;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up < 0 ? '' : dir.slice(0, up);
  }
}

function entryOf(repo: Packages, from: string, name: string): LockEntry {
  const key = keyOf(repo, from, name);
  if (!key) throw new Error(`${name} is not in this repository's package-lock.json`);
  return repo[key]!;
}

/** The registry URL of a package's tarball (lockfiles here omit it: omit-lockfile-registry-resolved). */
function tarballUrl(key: string, version: string): string {
  const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
  return `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${version}.tgz`;
}

function writeLock(dir: string, packages: Packages): void {
  const lock = { name: 'fresh-drizzle-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
}
