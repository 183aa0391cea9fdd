import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exec, hostCaBundle, stream, tail } from './podman.js';

/** Builds (or reuses) the local Debian + Node base image; returns its reference. */
export async function buildBaseImage(root: string): Promise<string> {
  const base = await exec('bash', [path.join(root, 'tests/e2e/build-base-image.sh')], { timeoutMs: 8 * 60_000, cwd: root });
  if (base.code !== 0) throw new Error(`building the base image failed:\n${tail(base.stderr)}`);
  return base.stdout.trim();
}

/**
 * `podman build` of the project's Dockerfile in `context`, on `base`, with the host CA bundle as
 * the `ca_bundle` build secret (npm behind a TLS-inspecting proxy). Layers are cached, so an
 * unchanged package-lock.json reuses both `npm ci` layers.
 */
export async function buildImage(options: { root: string; context: string; tag: string; base: string; label: string }): Promise<void> {
  const ca = hostCaBundle();
  const build = await stream('podman', [
    'build', '--network', 'host', '--pull=never', '--layers', '--label', options.label,
    '-f', path.join(options.root, 'Dockerfile'), '-t', options.tag,
    '--build-arg', `NODE_IMAGE=${options.base}`, ...(ca ? ['--secret', `id=ca_bundle,src=${ca}`] : []), options.context,
  ], { cwd: options.root, timeoutMs: 10 * 60_000 });
  if (build.code !== 0) throw new Error(`podman build failed:\n${tail(build.stderr)}`);
}

/** Tags in `migrations/meta/_journal.json`, oldest first. */
export function journalTags(migrationsDir: string): string[] {
  const journal = JSON.parse(readFileSync(path.join(migrationsDir, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  return journal.entries.map((e) => e.tag);
}

/**
 * A build context for "the previous release": the files the Dockerfile reads, with the newest
 * migration removed (journal entry, up, down and snapshot). Returns the removed tag.
 */
/**
 * A build context for "the next release" with an online change: the files the Dockerfile reads,
 * the model change of `models` (from, to) in src/db/schema.ts, and `migrations` (a folder holding
 * the committed history plus the change's generated migrations) as the baked-in folder.
 */
export function nextReleaseContext(root: string, dir: string, migrations: string, models: readonly [string, string]): void {
  copySources(root, dir);
  rmSync(path.join(dir, 'migrations'), { recursive: true, force: true });
  cpSync(migrations, path.join(dir, 'migrations'), { recursive: true });
  const schema = path.join(dir, 'src/db/schema.ts');
  const source = readFileSync(schema, 'utf8');
  if (!source.includes(models[0])) throw new Error(`${schema}: the line "${models[0]}" was not found`);
  writeFileSync(schema, source.replace(models[0], models[1]));
}

/** The files the Dockerfile reads, copied into `dir`: the sources only (dist and node_modules never reach the build context anyway). */
function copySources(root: string, dir: string): void {
  for (const f of ['.dockerignore', ...dockerfileSources(root)]) {
    cpSync(path.join(root, f), path.join(dir, f), { recursive: true, filter: (src) => !/[/\\](dist|node_modules)$/.test(src) });
  }
}

/** Every path of the build context the Dockerfile COPYs (COPY --from=... copies from a stage, not the context). */
function dockerfileSources(root: string): string[] {
  const sources = new Set<string>();
  for (const line of readFileSync(path.join(root, 'Dockerfile'), 'utf8').split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== 'COPY' || words.some((w) => w.startsWith('--from'))) continue;
    for (const src of words.slice(1, -1).filter((w) => !w.startsWith('--'))) sources.add(src.replace(/\/$/, ''));
  }
  return [...sources];
}

export function previousReleaseContext(root: string, dir: string): string {
  copySources(root, dir);
  const journalPath = path.join(dir, 'migrations/meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; tag: string }[] };
  const newest = journal.entries.pop();
  if (!newest) throw new Error('migrations/meta/_journal.json has no entries: there is no previous release to build');
  writeFileSync(journalPath, JSON.stringify(journal, null, 2));
  const idx = String(newest.idx).padStart(4, '0');
  for (const f of [`${newest.tag}.sql`, `${newest.tag}.down.sql`, `meta/${idx}_snapshot.json`]) rmSync(path.join(dir, 'migrations', f), { force: true });
  return newest.tag;
}
