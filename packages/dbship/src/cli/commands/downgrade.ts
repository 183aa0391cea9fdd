import { DbshipError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { downgrade, type DowngradeRequest, type RevertStep } from '../../migrator/downgrade.js';
import type { Command, CommandContext } from '../command.js';
import { commandLine } from '../invocation.js';
import { printEvents, seconds } from '../render-events.js';

export const command: Command = {
  name: 'downgrade',
  summary: 'revert applied migrations with their down files, newest first (default: one); asks first',
  usage: ['downgrade [--steps N | --to NAME] [--dry-run] [--yes]'],
  options: {
    steps: { type: 'string', placeholder: 'N', description: 'how many applied migrations to revert, newest first (default 1)', example: '--steps 2' },
    to: { type: 'string', placeholder: 'NAME', description: 'revert everything applied after this migration (it stays applied)', example: '--to 0000_init' },
    'dry-run': { type: 'boolean', description: 'print the down SQL that would run and change nothing', example: '--dry-run' },
    yes: { type: 'boolean', short: 'y', description: 'do not ask before reverting (required without a terminal: CI, scripts)', example: '--steps 1 --yes' },
  },
  async run(ctx) {
    const request: DowngradeRequest = { steps: parseSteps(ctx.values.steps as string | undefined), to: ctx.values.to as string | undefined };
    const dryRun = ctx.values['dry-run'] === true;
    const confirmed = dryRun || ctx.values.yes === true ? undefined : await confirm(ctx, request);
    if (confirmed?.length === 0) {
      ctx.out('No downgrade items found');
      return ExitCode.Ok;
    }
    const started = performance.now();
    const result = await downgrade(ctx.config(), { ...request, dryRun, confirmed, signal: ctx.signal, onEvent: printEvents(ctx), cwd: ctx.cwd });
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
    ctx.out(`Downgraded: ${result.reverted.length} migration(s) in ${seconds(performance.now() - started)}`);
    return ExitCode.Ok;
  },
};

/**
 * Shows what the downgrade will run (the DROPs first in mind: they lose data) and asks on a
 * terminal; without one, `--yes` is required, as for every destructive command. Returns the
 * confirmed names, newest first (empty: nothing to revert).
 */
async function confirm(ctx: CommandContext, request: DowngradeRequest): Promise<string[]> {
  const plan = (await downgrade(ctx.config(), { ...request, dryRun: true, signal: ctx.signal })).planned;
  if (plan.length === 0) return [];
  const shown = describePlan(plan, ctx);
  if (!ctx.ask) {
    throw new DbshipError('CONFIRMATION_REQUIRED', `downgrade would revert ${plan.length} migration(s) and there is no terminal to confirm it; nothing was reverted`, {
      details: shown,
      why: 'a downgrade runs down files that drop columns and tables: their data is lost, so without a terminal to ask, dbship needs the go-ahead on the command line.',
      fix: `pass --yes: \`${commandLine(ctx.invocation, rerun(request, '--yes'))}\` (review the SQL first with \`${commandLine(ctx.invocation, rerun(request, '--dry-run'))}\`).`,
    });
  }
  for (const line of shown) ctx.err(line);
  if (!(await ctx.ask(`Revert ${plan.length} migration(s)?`))) {
    throw new DbshipError('DECLINED', 'downgrade cancelled at the question: nothing was reverted', {
      fix: `to revert, run \`${commandLine(ctx.invocation, rerun(request))}\` again and answer y.`,
    });
  }
  return plan.map((p) => p.file.name);
}

/** The downgrade command line as given, with `extra` appended. */
function rerun(request: DowngradeRequest, extra?: string): string {
  return ['downgrade', request.steps !== undefined ? `--steps ${request.steps}` : '', request.to !== undefined ? `--to ${request.to}` : '', extra ?? ''].filter(Boolean).join(' ');
}

/** `revert NAME:` and the down file's statements, the destructive ones highlighted. */
function describePlan(plan: readonly RevertStep[], ctx: CommandContext): string[] {
  return plan.flatMap(({ target }) => [
    `revert ${target.name}:`,
    ...target.sql.split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('--') && l !== '--> statement-breakpoint')
      .map((l) => `  ${/\b(DROP|TRUNCATE|DELETE)\b/i.test(l) ? ctx.style.err.red(l) : l}`),
  ]);
}

function parseSteps(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) {
    throw new DbshipError('USAGE', `--steps must be a whole number of 1 or more (got "${raw}")`, {
      fix: 'pass e.g. --steps 1 (the default) or --steps 3.',
    });
  }
  return Number(raw);
}
