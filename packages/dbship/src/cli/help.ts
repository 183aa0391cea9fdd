import { readFileSync } from 'node:fs';
import type { Command, OptionSpec } from './command.js';
import { commandLine, type Invocation } from './invocation.js';

/** Options every verb accepts. */
export const GLOBAL_OPTIONS: { readonly help: OptionSpec; readonly 'no-color': OptionSpec } = {
  help: { type: 'boolean', short: 'h', description: 'show this help and exit', example: '--help' },
  'no-color': { type: 'boolean', description: 'plain output even on a terminal (so does NO_COLOR=1)', example: '--no-color' },
};

/** `dbship --help`: every verb with its summary, and the exit codes. */
export function helpText(commands: readonly Command[], inv: Invocation): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'dbship: ship PostgreSQL schema changes with generated, linted, exactly-once migrations',
    '',
    `usage: ${commandLine(inv, '<command> [options]')}     (${commandLine(inv, '<command> --help')} for its options)`,
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 ok, 1 migration failed, 2 usage/config, 3 database unreachable, 4 lock timeout,',
    '            5 integrity (changed/missing/out-of-order files), 6 problems found or change refused,',
    '            7 pending, 70 internal error (a bug in dbship).',
  ].join('\n');
}

/** `dbship <verb> --help`: usage, then every option with what it does and an example. */
export function commandHelp(c: Command, inv: Invocation): string {
  const options = { ...c.options, ...GLOBAL_OPTIONS };
  const names = Object.entries(options).map(([name, o]) => `--${name}${o.type === 'string' ? ` ${o.placeholder ?? 'VALUE'}` : ''}`);
  const width = Math.max(...names.map((n) => n.length));
  const lines = Object.values(options).flatMap((o, i) => [
    `  ${names[i]!.padEnd(width)}  ${o.description}`,
    `  ${''.padEnd(width)}  e.g. ${commandLine(inv, `${c.name} ${o.example}`)}`,
  ]);
  return [c.summary, '', ...c.usage.map((u) => `usage: ${commandLine(inv, u)}`), '', 'options:', ...lines].join('\n');
}

/** The version of the installed dbship package. */
export function version(): string {
  // src/cli/ and dist/cli/ are both two levels below the package root.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
