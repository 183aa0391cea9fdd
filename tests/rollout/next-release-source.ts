import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir } from '../helpers/migrations.js';

/**
 * The source tree of release N+1 after a one-line model change in `src/db/schema.ts` (the line
 * `from` becomes `to`), exactly what a developer edits before `generate`: a copy of the example
 * service, API unchanged. Returns the path of its `server.ts`.
 */
export function nextReleaseSource(from: string, to: string): string {
  return releaseSource([[from, to]]);
}

/**
 * A copy of the example service whose `src/db/schema.ts` has each `[from, to]` edit applied (an
 * older release's models, or a newer one's). Returns the path of its `server.ts`.
 */
export function releaseSource(edits: ReadonlyArray<readonly [string, string]>): string {
  const root = tempDir('dbship-release-src-');
  cpSync(path.join(ROOT, 'src'), path.join(root, 'src'), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  // ES modules, as in the repository (the service uses top-level await).
  writeFileSync(path.join(root, 'package.json'), '{ "name": "release-copy", "private": true, "type": "module" }\n');
  const schema = path.join(root, 'src/db/schema.ts');
  let source = readFileSync(schema, 'utf8');
  for (const [from, to] of edits) {
    const changed = source.replace(from, to);
    if (changed === source) throw new Error(`${schema}: the line "${from}" was not found`);
    source = changed;
  }
  writeFileSync(schema, source);
  return path.join(root, 'src/app/server.ts');
}
