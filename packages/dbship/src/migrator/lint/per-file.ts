import type { LintStatement } from './types.js';

const caches = new WeakMap<readonly LintStatement[], Map<string, unknown>>();

/**
 * Computes a value about a whole file once, for rules whose check runs per statement but needs
 * the file as a whole (keeps linting linear in the number of statements). Keyed by the file's
 * statement list, so it lives exactly as long as that lint run.
 */
export function perFile<T>(statements: readonly LintStatement[], key: string, compute: () => T): T {
  let cache = caches.get(statements);
  if (!cache) caches.set(statements, (cache = new Map()));
  if (!cache.has(key)) cache.set(key, compute());
  return cache.get(key) as T;
}
