import { upgrade } from '../../migrator/upgrade.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../exit-codes.js';
import { printEvents, seconds } from '../report.js';

export const command: Command = {
  name: 'upgrade',
  summary: 'apply pending migrations (each in its own transaction, under the migration lock)',
  usage: ['upgrade [--to NAME] [--dry-run] [--allow-out-of-order] [--strict]'],
  options: {
    to: { type: 'string' },
    'dry-run': { type: 'boolean' },
    'allow-out-of-order': { type: 'boolean' },
    strict: { type: 'boolean' },
  },
  async run(ctx) {
    const config = ctx.config();
    const result = await upgrade(config, {
      to: ctx.values.to as string | undefined,
      dryRun: ctx.values['dry-run'] === true,
      signal: ctx.signal,
      onEvent: printEvents(ctx),
    });
    if (result.planned.length === 0) {
      ctx.out('No upgrade items found');
      return ExitCode.Ok;
    }
    if (result.dryRun) {
      ctx.out(`Would apply ${result.planned.length} migration(s) (dry run, nothing changed):`);
      for (const f of result.planned) {
        ctx.out(`\n-- ${f.name}${f.transactional ? '' : ' (no transaction)'}\n${f.sql.trimEnd()}`);
      }
      return ExitCode.Ok;
    }
    const total = result.applied.reduce((s, a) => s + a.durationMs, 0);
    ctx.out(`Upgraded: ${result.applied.length} migration(s) in ${seconds(total)}`);
    return ExitCode.Ok;
  },
};
