import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The project's root: the nearest folder at or above `cwd` that holds a package.json, so that
 * dbship works from any subdirectory as npm does. Falls back to `cwd` itself when none exists
 * (a container with only the built CLI and the migrations folder).
 */
export function findProjectRoot(cwd: string): string {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(cwd);
  }
}
