import { parseArgs } from 'node:util';
import type { DbConnection } from '../config/db-connection.js';
import { projectSettings, type ProjectSettings } from '../project/project-settings.js';
import { loadSources, type SettingsSources } from '../project/sources.js';
import { buildEngineSettings, type EngineSettings } from '../settings.js';
import { DbshipError } from '../errors.js';
import { sqlState, SqlState } from '../db/sqlstate.js';
import { createLogger, LOG_LEVELS, type Logger, type LogLevel } from '../logger.js';
import type { Command, CommandContext } from './command.js';
import { loadCommand, loadCommands } from './commands/index.js';
import { ExitCode } from '../exit-codes.js';
import { withFlags } from './flags.js';

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
    out(helpText(await loadCommands()));
    return verb === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const command = await loadCommand(verb);
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
  let sources: SettingsSources;
  let config: EngineSettings | undefined;
  let project: ProjectSettings | undefined;
  let logger: Logger | undefined;
  let release: (() => Promise<void>) | undefined;
  // The environment, .env and the project's config files are merged once, flags on top.
  const settings = () => withFlags(buildEngineSettings(sources.values, sources.root), parsed.values);
  try {
    sources = await loadSources({ env, cwd });
    if (!OFFLINE_VERBS.has(command.name)) {
      const attached = await attachLocalDatabase(settings(), sources.root, err);
      config = attached.config;
      release = attached.release;
    }
  } catch (e) {
    return report(e, err, env);
  }
  const ctx: CommandContext = {
    values: parsed.values,
    positionals: parsed.positionals,
    cwd,
    env,
    out,
    err,
    signal: options.signal ?? new AbortController().signal,
    config: () => (config ??= settings()),
    project: () => (project ??= projectSettings(sources)),
    sources: () => sources,
    logger: () => (logger ??= createLogger(logLevelOf(sources.values.LOG_LEVEL), { name: 'dbship' })),
  };
  try {
    return await command.run(ctx);
  } catch (e) {
    return report(e, err, env);
  } finally {
    await release?.();
  }
}

/** Verbs that never touch a database. */
const OFFLINE_VERBS = new Set(['init', 'generate', 'check', 'lint', 'config']);

/** The CLI's log level: `LOG_LEVEL` when it is a valid level (the service validates it strictly). */
function logLevelOf(value: string | undefined): LogLevel {
  return (LOG_LEVELS as readonly (string | undefined)[]).includes(value) ? (value as LogLevel) : 'info';
}

function report(e: unknown, err: (line: string) => void, env: RunOptions['env']): ExitCode {
  if (e instanceof DbshipError) {
    err(e.format());
    return e.exitCode;
  }
  const code = sqlState(e);
  if (code) {
    // The server refused a query of dbship's own (not a migration's): say so, with its SQLSTATE.
    err(new DbshipError('DATABASE_ERROR', `the database refused the request: ${(e as Error).message} (SQLSTATE ${code})`, {
      fix: code === SqlState.InsufficientPrivilege ? 'run as a role with the privilege named above (MIGRATE_DB_USER for migrations).' : 'check the server log for this SQLSTATE, then run again.',
    }).format());
    return ExitCode.MigrationFailed;
  }
  const internal = new DbshipError('INTERNAL', (e as Error)?.message ?? String(e), {
    fix: 'this is a bug in dbship; please report it with the command you ran (DBSHIP_DEBUG=1 prints the stack).',
    cause: e,
  });
  err(internal.format());
  if (env?.DBSHIP_DEBUG) err(String((e as Error)?.stack));
  return internal.exitCode;
}

/** The shape of `dev/local-db.ts`, declared here so that the build does not pull it in. */
interface LocalDbModule {
  localDatabase(cwd: string): Promise<{ db: DbConnection; how: string; release(): Promise<void> }>;
}

/**
 * In a development checkout with no database configured, use the embedded PostgreSQL (the one a
 * running `npm start` advertises, or one started for this command). The module is loaded by URL
 * so that the production build, which has no `dev/` folder, never includes it: there a missing
 * database stays the configuration error it is.
 */
async function attachLocalDatabase(config: EngineSettings, cwd: string, err: (line: string) => void): Promise<{ config: EngineSettings; release?: () => Promise<void> }> {
  if (config.db) return { config };
  let mod: LocalDbModule;
  try {
    mod = (await import(new URL('../dev/local-db.js', import.meta.url).href)) as LocalDbModule;
  } catch {
    return { config };
  }
  const local = await mod.localDatabase(cwd);
  err(`no database configured: using ${local.how}`);
  return { config: Object.freeze({ ...config, db: local.db }), release: () => local.release() };
}

function helpText(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'dbship: ship PostgreSQL schema changes with generated, linted, exactly-once migrations',
    '',
    'usage: dbship <command> [options]     (dbship <command> --help for its options)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 ok, 1 migration failed, 2 usage/config, 3 database unreachable, 4 lock timeout,',
    '            5 integrity (changed/missing/out-of-order files), 6 problems found, 7 pending,',
    '            70 internal error (a bug in dbship).',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const opts = Object.entries(c.options).map(([name, o]) => `  --${name}${o.type === 'string' ? ' <value>' : ''}`);
  return [`${c.summary}`, '', ...c.usage.map((u) => `usage: dbship ${u}`), '', 'options:', ...opts].join('\n');
}
