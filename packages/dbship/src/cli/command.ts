import type { ParseArgsConfig } from 'node:util';
import type { ProjectSettings } from '../project/project-settings.js';
import type { SettingsSources } from '../project/sources.js';
import type { EngineSettings } from '../settings.js';
import type { Logger } from '../logger.js';
import type { ExitCode } from '../exit-codes.js';

/** What a command gets: parsed arguments, the config (loaded on first use), output streams. */
export interface CommandContext {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
  /** The engine settings with this run's flags merged in, validated on first use (throws CONFIG_INVALID, exit 2). */
  config(): EngineSettings;
  /** The project's root, models and drizzle tracking table. */
  project(): ProjectSettings;
  /** The merged variables and where each came from (for `dbship config`). */
  sources(): SettingsSources;
  logger(): Logger;
  /** Machine output (tables, JSON): stdout. */
  out(line: string): void;
  /** Human diagnostics: stderr. */
  err(line: string): void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGTERM / SIGINT: long-running commands stop at the next safe point. */
  readonly signal: AbortSignal;
}

/** A CLI verb: a thin wrapper that calls the library function and maps the result to an exit code. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** One usage line per form, e.g. `upgrade [--to NAME] [--dry-run]`. */
  readonly usage: string[];
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Accepts positional arguments (e.g. `lint [files]`). */
  readonly positionals?: boolean;
  run(ctx: CommandContext): Promise<ExitCode>;
}
