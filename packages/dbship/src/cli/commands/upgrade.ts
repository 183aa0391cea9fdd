import { upgrade } from '../../migrator/upgrade.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../exit-codes.js';
import { remindForgottenGenerate } from '../models-reminder.js';
import { printEvents, seconds } from '../render-events.js';

export const command: Command = {
  name: 'upgrade',
  summary: 'apply pending migrations (each in its own transaction, under the migration lock)',
  usage: ['upgrade [--to NAME] [--dry-run] [--allow-out-of-order] [--strict]'],
  options: {
    to: { type: 'string', placeholder: 'NAME', description: 'stop after this migration (with or without its NNNN_ prefix)', example: '--to 0001_add_user_bio' },
    'dry-run': { type: 'boolean', description: 'print the plan and its SQL; take no lock, change nothing', example: '--dry-run' },
    'allow-out-of-order': { type: 'boolean', description: 'apply a pending file older than the newest applied one (MIGRATE_ALLOW_OUT_OF_ORDER)', example: '--allow-out-of-order' },
    strict: { type: 'boolean', description: 'fail when the database has migrations this build does not know (MIGRATE_STRICT)', example: '--strict' },
  },
  async run(ctx) {
    const config = ctx.config();
    const started = performance.now();
    const result = await upgrade(config, {
      to: ctx.values.to as string | undefined,
      dryRun: ctx.values['dry-run'] === true,
      signal: ctx.signal,
      onEvent: printEvents(ctx),
      cwd: ctx.cwd,
    });
    if (result.planned.length === 0) {
      ctx.out('No upgrade items found');
      await remindForgottenGenerate(ctx);
      return ExitCode.Ok;
    }
    if (result.dryRun) {
      ctx.out(`Would apply ${result.planned.length} migration(s) (dry run, nothing changed):`);
      for (const f of result.planned) {
        ctx.out(`\n-- ${f.name}${f.transactional ? '' : ' (no transaction)'}\n${f.sql.trimEnd()}`);
      }
      return ExitCode.Ok;
    }
    // Wall time, lock wait and lock_timeout retries included: what the person waited.
    ctx.out(`Upgraded: ${result.applied.length} migration(s) in ${seconds(performance.now() - started)}`);
    await remindForgottenGenerate(ctx);
    return ExitCode.Ok;
  },
};
