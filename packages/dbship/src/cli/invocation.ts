/**
 * How the user ran dbship, so that every command a message suggests is one they can paste:
 * `npm run db -- upgrade` in a checkout, `npx dbship upgrade`, or `dbship upgrade` in an image.
 */
export interface Invocation {
  /** The words before the verb, e.g. `npm run db --`. */
  readonly prefix: string;
  /** True when npm runs dbship as a package script (`npm run <script>`). */
  readonly npmScript: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads what npm tells the process: `npm_command` is `run` (`run-script` before npm 10) for a
 * package script, whose name is `npm_lifecycle_event`, and `exec` for `npx`.
 */
export function detectInvocation(env: Env): Invocation {
  const npmCommand = env.npm_command;
  if (npmCommand === 'exec') return { prefix: 'npx dbship', npmScript: false };
  const script = env.npm_lifecycle_event;
  if ((npmCommand === 'run' || npmCommand === 'run-script') && script && /^[\w:.-]+$/.test(script)) {
    return { prefix: `npm run ${script} --`, npmScript: true };
  }
  return { prefix: 'dbship', npmScript: false };
}

/** `args` as the user would type it: `commandLine(inv, 'upgrade')` -> `npm run db -- upgrade`. */
export function commandLine(inv: Invocation, args: string): string {
  return `${inv.prefix} ${args}`.trimEnd();
}

/**
 * Rewrites the commands in a message written in the canonical form (`` `dbship upgrade` ``,
 * as the engine writes them: it does not know how it was started) into the form the user ran.
 */
export function localizeCommands(text: string, inv: Invocation): string {
  if (inv.prefix === 'dbship') return text;
  return text.replace(/`dbship(?= |`)/g, `\`${inv.prefix}`).replace(/`npm run db --(?= |`)/g, `\`${inv.prefix}`);
}

/** An option npm took for itself because it came before `--` in `npm run db <verb> --opt`. */
export interface SwallowedOption {
  readonly name: string;
  readonly value: string | true;
}

/**
 * `npm run db generate --name x` (without `--`) hands `--name x` to npm, which sets
 * `npm_config_name=x` and runs `dbship generate`. Finds the verb's options that arrived that way:
 * silently dropping one (`--dry-run`, `--to`) would change what the command does.
 */
export function swallowedByNpm(env: Env, inv: Invocation, optionNames: readonly string[], given: Readonly<Record<string, unknown>>): SwallowedOption[] {
  if (!inv.npmScript) return [];
  const found: SwallowedOption[] = [];
  for (const name of optionNames) {
    if (given[name] !== undefined) continue;
    const raw = env[`npm_config_${name.replace(/-/g, '_')}`];
    if (raw === undefined || raw === '' || raw === 'false') continue;
    found.push({ name, value: raw === 'true' ? true : raw });
  }
  return found;
}

/** The command line with the swallowed options put back after `--`. */
export function repairedCommand(inv: Invocation, argv: readonly string[], swallowed: readonly SwallowedOption[]): string {
  const extra = swallowed.map((o) => (o.value === true ? `--${o.name}` : `--${o.name} ${quoteArg(o.value)}`));
  return commandLine(inv, [...argv.map(quoteArg), ...extra].join(' '));
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
