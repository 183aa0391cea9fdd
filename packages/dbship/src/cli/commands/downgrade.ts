import { DbshipError } from '../../errors.js';
import { downgrade } from '../../migrator/downgrade.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../exit-codes.js';
import { printEvents, seconds } from '../report.js';

export const command: Command = {
  name: 'downgrade',
  summary: 'revert applied migrations with their down files, newest first (default: one)',
  usage: ['downgrade [--steps N | --to NAME] [--dry-run]'],
  options: {
    steps: { type: 'string' },
    to: { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run(ctx) {
    const result = await downgrade(ctx.config(), {
      steps: parseSteps(ctx.values.steps as string | undefined),
      to: ctx.values.to as string | undefined,
      dryRun: ctx.values['dry-run'] === true,
      signal: ctx.signal,
      onEvent: printEvents(ctx),
    });
    if (result.planned.length === 0) {
      ctx.out('No downgrade items found');
      return ExitCode.Ok;
    }
    if (result.dryRun) {
      ctx.out(`Would revert ${result.planned.length} migration(s), newest first (dry run, nothing changed):`);
      for (const { target } of result.planned) {
        ctx.out(`\n-- ${target.name} (down${target.transactional ? '' : ', no transaction'})\n${target.sql.trimEnd()}`);
      }
      return ExitCode.Ok;
    }
    const total = result.reverted.reduce((s, r) => s + r.durationMs, 0);
    ctx.out(`Downgraded: ${result.reverted.length} migration(s) in ${seconds(total)}`);
    return ExitCode.Ok;
  },
};

function parseSteps(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) {
    throw new DbshipError('USAGE', `--steps must be a whole number of 1 or more (got "${raw}")`, {
      fix: 'pass e.g. --steps 1 (the default) or --steps 3.',
    });
  }
  return Number(raw);
}
