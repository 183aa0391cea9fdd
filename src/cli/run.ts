import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.js';
import { DbshipError } from '../errors.js';
import { createLogger, type Logger } from '../logger.js';
import type { Command, CommandContext } from './command.js';
import { commands } from './commands/index.js';
import { ExitCode } from './exit-codes.js';

export interface RunOptions {
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * Runs one `dbship` invocation and returns its exit code. Never calls `process.exit`:
 * `main.ts` sets `process.exitCode` so pools drain and logs flush.
 */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<ExitCode> {
  const out = options.stdout ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = options.stderr ?? ((l: string) => process.stderr.write(`${l}\n`));
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === 'help' || verb === '--help' || verb === '-h') {
    out(helpText());
    return verb === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const command = commands.find((c) => c.name === verb);
  if (!command) {
    err(`error[USAGE]: unknown command "${verb}"\n  fix: run \`dbship --help\` for the list of commands.`);
    return ExitCode.Usage;
  }
  let parsed: { values: CommandContext['values']; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: command.positionals ?? false,
      strict: true,
    });
  } catch (e) {
    err(`error[USAGE]: ${(e as Error).message}\n  usage: ${command.usage.map((u) => `dbship ${u}`).join('\n         ')}`);
    return ExitCode.Usage;
  }
  if (parsed.values.help) {
    out(commandHelp(command));
    return ExitCode.Ok;
  }
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  let config: Config | undefined;
  let logger: Logger | undefined;
  const ctx: CommandContext = {
    values: parsed.values,
    positionals: parsed.positionals,
    cwd,
    env,
    out,
    err,
    signal: options.signal ?? new AbortController().signal,
    config: () => (config ??= loadConfig({ env, cwd })),
    logger: () => (logger ??= createLogger(config?.logLevel ?? 'info', { name: 'dbship' })),
  };
  try {
    return await command.run(ctx);
  } catch (e) {
    if (e instanceof DbshipError) {
      err(e.format());
      return e.exitCode;
    }
    err(`error[INTERNAL]: ${(e as Error)?.message ?? String(e)}\n  fix: this is a bug in dbship; please report it with the command you ran.`);
    if (env.DBSHIP_DEBUG) err(String((e as Error)?.stack));
    return ExitCode.MigrationFailed;
  }
}

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'dbship: ship PostgreSQL schema changes with generated, linted, exactly-once migrations',
    '',
    'usage: dbship <command> [options]     (dbship <command> --help for its options)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 ok, 1 migration failed, 2 usage/config, 3 database unreachable, 4 lock timeout,',
    '            5 integrity (changed/missing/out-of-order files), 6 problems found, 7 pending.',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const opts = Object.entries(c.options).map(([name, o]) => `  --${name}${o.type === 'string' ? ' <value>' : ''}`);
  return [`${c.summary}`, '', ...c.usage.map((u) => `usage: dbship ${u}`), '', 'options:', ...opts].join('\n');
}
