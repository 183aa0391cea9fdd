import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir } from '../helpers/migrations.js';

/** One more edit of a release's copy: in `file` (relative to the repository), `from` becomes `to`. */
export interface SourceEdit {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

/**
 * The source tree of release N+1 after a one-line model change in `src/db/schema.ts` (the line
 * `from` becomes `to`), exactly what a developer edits before `generate`: a copy of the example
 * service, API unchanged. `edits` are further changes the model change needs (a repository's
 * mapping), each of which must apply. Returns the path of its `server.ts`.
 */
export function nextReleaseSource(from: string, to: string, edits: readonly SourceEdit[] = []): string {
  return releaseSource([[from, to]], edits);
}

/**
 * A copy of the example service whose `src/db/schema.ts` has each `[from, to]` model edit applied
 * (an older release's models, or a newer one's), and each further source edit. Every edit must
 * apply. Returns the path of its `server.ts`.
 */
export function releaseSource(models: ReadonlyArray<readonly [string, string]>, edits: readonly SourceEdit[] = []): string {
  const root = tempDir('dbship-release-src-');
  cpSync(path.join(ROOT, 'src'), path.join(root, 'src'), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  // ES modules, as in the repository (the service uses top-level await).
  writeFileSync(path.join(root, 'package.json'), '{ "name": "release-copy", "private": true, "type": "module" }\n');
  const all: SourceEdit[] = [...models.map(([from, to]) => ({ file: 'src/db/schema.ts', from, to })), ...edits];
  for (const e of all) {
    const file = path.join(root, e.file);
    const text = readFileSync(file, 'utf8');
    if (!text.includes(e.from)) throw new Error(`${file}: "${e.from}" was not found`);
    writeFileSync(file, text.replace(e.from, e.to));
  }
  return path.join(root, 'src/app/server.ts');
}
