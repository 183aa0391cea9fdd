import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DbshipError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { createLogger, LOG_LEVELS, type Logger, type LogLevel } from '../logger.js';
import { projectSettings, type ProjectSettings } from '../project/project-settings.js';
import { loadSources, type SettingsSources } from '../project/sources.js';
import { buildEngineSettings, type EngineSettings } from '../settings.js';
import type { Command, CommandContext } from './command.js';
import { loadCommand, loadCommands } from './commands/index.js';
import type { Ask } from './confirm.js';
import { commandHelp, GLOBAL_OPTIONS, helpText, version } from './help.js';
import { commandLine, detectInvocation, repairedCommand, swallowedByNpm, type Invocation } from './invocation.js';
import { attachLocalDatabase, type AttachedDatabase } from './local-database.js';
import { LiveLine } from './render-events.js';
import { reportError } from './report.js';
import { withFlags } from './flags.js';
import { createStyle, type Style } from './style.js';
import { suggestVerb } from './suggest.js';

export interface RunOptions {
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  signal?: AbortSignal;
  /** Which streams are terminals (default: false for streams passed in, else the process's). */
  tty?: { readonly stdout: boolean; readonly stderr: boolean };
  /** Raw writes to a terminal's stderr, for a progress line that is redrawn. */
  live?: (raw: string) => void;
  /** Asks the person at the terminal (absent: no one to ask). */
  ask?: Ask;
}

/** Verbs that never touch a database. */
const OFFLINE_VERBS = new Set(['init', 'generate', 'check', 'lint', 'config']);

/**
 * Runs one `dbship` invocation and returns its exit code. Never calls `process.exit`:
 * `main.ts` sets `process.exitCode` so pools drain and logs flush.
 */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<ExitCode> {
  const out = options.stdout ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = options.stderr ?? ((l: string) => process.stderr.write(`${l}\n`));
  const env = options.env ?? process.env;
  const inv = detectInvocation(env);
  const noColor = argv.includes('--no-color') || argv.includes('--json');
  const tty = options.tty ?? { stdout: !options.stdout && Boolean(process.stdout.isTTY), stderr: !options.stderr && Boolean(process.stderr.isTTY) };
  const style = { out: createStyle({ tty: tty.stdout, env, off: noColor }), err: createStyle({ tty: tty.stderr, env, off: noColor }) };
  const fail = (e: unknown, localDatabase = false) => reportError(e, { err, style: style.err, invocation: inv, env, localDatabase });
  const args = argv.filter((a) => a !== '--no-color');
  const [verb, ...rest] = args;
  if (verb === '--version' || verb === '-V') {
    out(version());
    return ExitCode.Ok;
  }
  if (verb === undefined || verb === 'help' || verb === '--help' || verb === '-h') {
    out(helpText(await loadCommands(), inv));
    return verb === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const command = await loadCommand(verb);
  if (!command) return fail(await unknownVerb(args, inv));
  let parsed: { values: CommandContext['values']; positionals: string[] };
  try {
    parsed = parseCommandArgs(command, rest, inv);
    refuseSwallowed(command, parsed.values, args, env, inv);
  } catch (e) {
    return fail(e);
  }
  if (parsed.values.help) {
    out(commandHelp(command, inv));
    return ExitCode.Ok;
  }
  const cwd = options.cwd ?? process.cwd();
  let attached: AttachedDatabase | undefined;
  let sources: SettingsSources;
  // The environment, .env and the project's config files are merged once, flags on top.
  const settings = () => withFlags(buildEngineSettings(sources.values, sources.root), parsed.values);
  try {
    sources = await loadSources({ env, cwd });
    if (!OFFLINE_VERBS.has(command.name)) attached = await attachLocalDatabase(settings(), sources.root, err);
  } catch (e) {
    return fail(e);
  }
  const writeLive = options.live ?? (options.stderr ? undefined : process.stderr.isTTY ? (raw: string) => process.stderr.write(raw) : undefined);
  const live = writeLive ? new LiveLine(writeLive) : undefined;
  const ctx = context(parsed, { cwd, env, out, err, inv, style, options, attached, sources, settings, live });
  try {
    return await command.run(ctx);
  } catch (e) {
    // An interrupted migration's progress line ends before the error is printed.
    live?.end();
    return fail(e, ctx.localDatabase);
  } finally {
    live?.end();
    await attached?.release?.();
  }
}

interface ContextParts {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  out: (line: string) => void;
  err: (line: string) => void;
  inv: Invocation;
  style: { out: Style; err: Style };
  options: RunOptions;
  attached: AttachedDatabase | undefined;
  sources: SettingsSources;
  settings: () => EngineSettings;
  live: LiveLine | undefined;
}

function context(parsed: { values: CommandContext['values']; positionals: string[] }, p: ContextParts): CommandContext {
  let config = p.attached?.config;
  let project: ProjectSettings | undefined;
  let logger: Logger | undefined;
  return {
    values: parsed.values,
    positionals: parsed.positionals,
    cwd: p.cwd,
    env: p.env,
    // Any other output ends the progress line first, so that it never lands on it.
    out: (line) => (p.live?.end(), p.out(line)),
    err: (line) => (p.live?.end(), p.err(line)),
    signal: p.options.signal ?? new AbortController().signal,
    config: () => (config ??= p.settings()),
    project: () => (project ??= projectSettings(p.sources)),
    sources: () => p.sources,
    logger: () => (logger ??= createLogger(logLevelOf(p.sources.values.LOG_LEVEL), { name: 'dbship' })),
    invocation: p.inv,
    style: p.style,
    live: p.live,
    ask: p.options.ask,
    localDatabase: p.attached?.local ?? false,
  };
}

/** The CLI's log level: `LOG_LEVEL` when it is a valid level (the service validates it strictly). */
function logLevelOf(value: string | undefined): LogLevel {
  return (LOG_LEVELS as readonly (string | undefined)[]).includes(value) ? (value as LogLevel) : 'info';
}

function parseCommandArgs(command: Command, rest: string[], inv: Invocation): { values: CommandContext['values']; positionals: string[] } {
  const specs = { ...command.options, help: GLOBAL_OPTIONS.help };
  const options: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(
    Object.entries(specs).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
  );
  try {
    const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: command.positionals ?? false, strict: true });
    return { values: values as CommandContext['values'], positionals };
  } catch (e) {
    throw new DbshipError('USAGE', (e as Error).message, {
      details: command.usage.map((u) => `usage: ${commandLine(inv, u)}`),
      fix: `\`${commandLine(inv, `${command.name} --help`)}\` describes every option.`,
    });
  }
}

/** `npm run db generate --name x` gave `--name x` to npm: refuse, and show the line that works. */
function refuseSwallowed(command: Command, values: CommandContext['values'], args: string[], env: Readonly<Record<string, string | undefined>>, inv: Invocation): void {
  const swallowed = swallowedByNpm(env, inv, Object.keys(command.options), values);
  if (swallowed.length === 0) return;
  const names = swallowed.map((o) => `--${o.name}`).join(', ');
  throw new DbshipError('USAGE', `npm kept ${names} for itself: options after the script name go to npm unless they follow \`--\``, {
    details: [`use: ${repairedCommand(inv, args, swallowed)}`],
    why: `npm read ${names} as its own configuration (npm_config_${swallowed[0]!.name.replace(/-/g, '_')}); dbship never saw ${swallowed.length > 1 ? 'them' : 'it'}, and running without ${swallowed.length > 1 ? 'them' : 'it'} would do something else.`,
    fix: 'put `--` between the script name and the verb, as shown above.',
  });
}

async function unknownVerb(args: string[], inv: Invocation): Promise<DbshipError> {
  const verbs = (await loadCommands()).map((c) => c.name);
  const s = suggestVerb(args, verbs);
  const typed = args.slice(0, s?.consumed ?? 1).join(' ');
  const suggestion = s && commandLine(inv, [s.verb, s.args ?? args.slice(s.consumed).join(' ')].filter(Boolean).join(' '));
  return new DbshipError('USAGE', `unknown command "${typed}"${s ? `: did you mean \`${suggestion}\`?` : ''}`, {
    why: s && s.reason !== 'closest verb' ? `dbship's name for ${s.reason} is "${s.verb}"${s.note ? `; ${s.note}` : ''}.` : undefined,
    fix: `run \`${commandLine(inv, '--help')}\` for the list of commands.`,
  });
}
