import path from 'node:path';
import { detectDrift, type DriftReport } from '../../migrator/drift/index.js';
import type { Command, CommandContext } from '../command.js';
import { commandLine } from '../invocation.js';
import { ExitCode } from '../../exit-codes.js';

/**
 * `dbship drift [--json]`: the live database against the models (the newest snapshot). One line
 * per difference on stdout and exit 6, or "No drift" and exit 0. Never prompts.
 */
export const command: Command = {
  name: 'drift',
  summary: 'compare the live database with the models (newest snapshot); exit 6 on any difference',
  usage: ['drift [--json]'],
  options: { json: { type: 'boolean', description: 'print the report as JSON on stdout', example: '--json' } },
  async run(ctx) {
    const report = await detectDrift(ctx.config());
    if (ctx.values.json) {
      ctx.out(JSON.stringify(report, null, 2));
    } else {
      for (const d of report.differences) ctx.out(d.message);
      if (report.differences.length === 0) ctx.out('No drift');
      printContext(ctx, report);
    }
    return report.differences.length > 0 ? ExitCode.ProblemsFound : ExitCode.Ok;
  },
};

/** Diagnostics on stderr: what was compared, and why differences may be expected. */
function printContext(ctx: CommandContext, report: DriftReport): void {
  const reference = report.snapshot ? path.relative(ctx.cwd, report.snapshot) || report.snapshot : null;
  ctx.err(reference ? `compared with the models as of ${reference}` : 'no snapshot in the migrations folder: the models are empty');
  const n = report.differences.length;
  if (n > 0) ctx.err(`${n} difference${n > 1 ? 's' : ''} between the database and the models`);
  if (report.pending.length > 0) {
    ctx.err(`note: ${report.pending.length} migration(s) not applied yet (${report.pending.join(', ')}): run \`${commandLine(ctx.invocation, 'upgrade')}\`, then check again`);
  }
  if (report.unknown.length > 0) {
    ctx.err(`note: the database has migration(s) this build does not know (${report.unknown.join(', ')}): it is ahead of these models`);
  }
}
