import { existsSync } from 'node:fs';
import { displayPath } from '../../display-path.js';

export interface ReminderOptions {
  /** The migrations folder. */
  readonly dir: string;
  /** The models module. */
  readonly schemaPath: string;
  /** The command to suggest, as the user runs it, e.g. `npm run db -- generate --name <what_changed>`. */
  readonly generateCommand: string;
  /** Where the command runs: the models' path is shown from here. */
  readonly cwd: string;
}

/**
 * In a development checkout (drizzle-kit installed, the models file present), the one-line
 * warning for a model edit without `generate`: upgrade would otherwise say "No upgrade items
 * found" and the service answer 500 on the new column. Undefined when the models match the
 * newest snapshot, and everywhere else: the production image has neither drizzle-kit nor the
 * model sources, so there it costs a file-exists check and nothing else.
 */
export async function forgottenGenerate(options: ReminderOptions): Promise<string | undefined> {
  if (!existsSync(options.schemaPath) || !drizzleKitInstalled()) return undefined;
  try {
    const { checkModels } = await import('./check.js');
    const problems = await checkModels({ dir: options.dir, schemaPath: options.schemaPath, cwd: options.cwd });
    if (problems.length === 0) return undefined;
    return `the models in ${displayPath(options.schemaPath, options.cwd)} changed since the last generate, and no migration has the change yet: run \`${options.generateCommand}\``;
  } catch {
    // Models that do not load, or a folder check would report: `check` and `generate` say why.
    return undefined;
  }
}

function drizzleKitInstalled(): boolean {
  try {
    import.meta.resolve('drizzle-kit/api');
    return true;
  } catch {
    return false;
  }
}
