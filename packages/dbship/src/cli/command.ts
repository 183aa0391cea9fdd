import type { ProjectSettings } from '../project/project-settings.js';
import type { SettingsSources } from '../project/sources.js';
import type { EngineSettings } from '../settings.js';
import type { Logger } from '../logger.js';
import type { ExitCode } from '../exit-codes.js';
import type { Ask } from './confirm.js';
import type { Invocation } from './invocation.js';
import type { LiveLine } from './render-events.js';
import type { Style } from './style.js';

/** One option of a verb, with the help text every option must have. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** What it does, one line. */
  readonly description: string;
  /** The option as typed, e.g. `--to 0003_add_index` (shown after the verb). */
  readonly example: string;
  /** How `--help` names the value, e.g. `NAME` (default VALUE). */
  readonly placeholder?: string;
}

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
  /** How the user ran dbship: every command a message suggests is written in this form. */
  readonly invocation: Invocation;
  /** Colours for stdout and stderr (plain unless the stream is a terminal). */
  readonly style: { readonly out: Style; readonly err: Style };
  /** The progress line that is redrawn, when stderr is a terminal (ended by any other output). */
  readonly live?: LiveLine | undefined;
  /** Asks the person at the terminal; undefined without one (then `--yes` is required). */
  readonly ask?: Ask | undefined;
  /** The database is the local development one (embedded, in `.data/`). */
  readonly localDatabase: boolean;
}

/** A CLI verb: a thin wrapper that calls the library function and maps the result to an exit code. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** One usage line per form, e.g. `upgrade [--to NAME] [--dry-run]`. */
  readonly usage: string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Accepts positional arguments (e.g. `lint [files]`). */
  readonly positionals?: boolean;
  run(ctx: CommandContext): Promise<ExitCode>;
}
