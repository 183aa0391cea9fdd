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

/** A built entry and the sources it is compiled from. */
const OUTPUTS = [
  { main: 'packages/dbship/dist/cli/main.js', src: 'packages/dbship/src' },
  { main: 'dist/app/server.js', src: 'src' },
] as const;

function fresh(): boolean {
  return OUTPUTS.every((o) => {
    const main = path.join(ROOT, o.main);
    return existsSync(main) && statSync(main).mtimeMs >= newestMtime(path.join(ROOT, o.src));
  });
}

/**
 * Makes sure what the production image runs is built from the current sources: the CLI
 * (`packages/dbship/dist/cli/main.js`) and the service (`dist/app/server.js`). Runs `npm run build`
 * when either is missing or older than a source file. Returns the CLI's path.
 */
export function ensureBuilt(log: (line: string) => void): string {
  const main = path.join(ROOT, OUTPUTS[0].main);
  if (fresh()) return main;
  log('dist/ is missing or older than the sources: running `npm run build`');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0 && fresh()) {
    // tsc still emits JavaScript when it reports type errors; the timings stay meaningful.
    log(`warning: \`npm run build\` reported type errors (exit ${r.status}); measuring the JavaScript it emitted`);
    return main;
  }
  if (r.status !== 0 || !fresh()) {
    throw new Error(`npm run build failed (exit ${r.status}); the benchmarks measure the built code:\n${(r.stdout + r.stderr).trim().split('\n').slice(-20).join('\n')}`);
  }
  return main;
}
