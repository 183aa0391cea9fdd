import type { Command } from '../command.js';

/**
 * Every CLI verb, in the order `dbship --help` lists them. Each is imported only when it runs:
 * the init container's `deploy` must not pay for loading the generator or the linter.
 */
export const commandLoaders: readonly { readonly name: string; load(): Promise<Command> }[] = [
  { name: 'init', load: async () => (await import('./init.js')).command },
  { name: 'generate', load: async () => (await import('./generate.js')).command },
  { name: 'check', load: async () => (await import('./check.js')).command },
  { name: 'lint', load: async () => (await import('./lint.js')).command },
  { name: 'upgrade', load: async () => (await import('./upgrade.js')).command },
  { name: 'downgrade', load: async () => (await import('./downgrade.js')).command },
  { name: 'status', load: async () => (await import('./status.js')).command },
  { name: 'history', load: async () => (await import('./history.js')).command },
  { name: 'drift', load: async () => (await import('./drift.js')).command },
  { name: 'deploy', load: async () => (await import('./deploy.js')).command },
  { name: 'baseline', load: async () => (await import('./baseline.js')).command },
  { name: 'repair', load: async () => (await import('./repair.js')).command },
  { name: 'config', load: async () => (await import('./config.js')).command },
  { name: 'reset', load: async () => (await import('./reset.js')).command },
];

/** Loads one verb by name; undefined when there is no such verb. */
export async function loadCommand(name: string): Promise<Command | undefined> {
  return commandLoaders.find((c) => c.name === name)?.load();
}

/** Loads every verb (for `--help` and for tests). */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(commandLoaders.map((c) => c.load()));
}
