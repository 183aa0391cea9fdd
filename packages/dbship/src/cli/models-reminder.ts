import path from 'node:path';
import type { CommandContext } from './command.js';
import { commandLine } from './invocation.js';

/** The models module the development verbs read: `--schema`, else the project's (drizzle.config.*). */
export function schemaPath(ctx: Pick<CommandContext, 'cwd' | 'values' | 'project'>): string {
  if (typeof ctx.values.schema === 'string') return path.resolve(ctx.cwd, ctx.values.schema);
  return ctx.project().models[0] ?? path.resolve(ctx.cwd, 'src/db/schema.ts');
}

/**
 * Warns in one line when the models changed without `generate` (development checkouts only;
 * see `forgottenGenerate`). Loaded lazily: the comparison module is not part of deploy's path.
 */
export async function remindForgottenGenerate(ctx: CommandContext): Promise<void> {
  const { forgottenGenerate } = await import('../migrator/generate/reminder.js');
  const line = await forgottenGenerate({
    dir: ctx.config().migrations.dir,
    schemaPath: schemaPath(ctx),
    generateCommand: commandLine(ctx.invocation, 'generate --name <what_changed>'),
    cwd: ctx.cwd,
  });
  if (line) ctx.err(ctx.style.err.yellow(`warning: ${line}`));
}
