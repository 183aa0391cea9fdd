import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!f.endsWith('.ts') || f.startsWith('dev/') || f.startsWith(`dev${path.sep}`)) continue;
    newest = Math.max(newest, statSync(path.join(dir, f)).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure `packages/dbship/dist/cli/main.js` (what the production image runs) is built from the current
 * sources: runs `npm run build` when it is missing or older than any file under packages/dbship/src/.
 */
export function ensureBuilt(log: (line: string) => void): string {
  const main = path.join(ROOT, 'packages/dbship/dist/cli/main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(path.join(ROOT, 'packages/dbship/src'))) return main;
  log('dist/ is missing or older than src/: running `npm run build`');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  const fresh = existsSync(main) && statSync(main).mtimeMs >= newestMtime(path.join(ROOT, 'packages/dbship/src'));
  if (r.status !== 0 && fresh) {
    // tsc still emits JavaScript when it reports type errors; the timings stay meaningful.
    log(`warning: \`npm run build\` reported type errors (exit ${r.status}); measuring the JavaScript it emitted`);
    return main;
  }
  if (r.status !== 0 || !existsSync(main)) {
    throw new Error(`npm run build failed (exit ${r.status}); the deploy benchmarks measure the built CLI:\n${(r.stdout + r.stderr).trim().split('\n').slice(-20).join('\n')}`);
  }
  return main;
}
