import { check, type CheckReport } from '../../migrator/generate/check.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../../exit-codes.js';
import { localizeCommands } from '../invocation.js';
import { schemaPath } from '../models-reminder.js';

export const command: Command = {
  name: 'check',
  summary: 'CI / pre-commit gate without a database: models match the snapshot, chain intact, down files, lint clean',
  usage: ['check [--json] [--schema PATH]'],
  options: {
    json: { type: 'boolean', description: 'print the report as JSON on stdout (for CI tools)', example: '--json' },
    schema: { type: 'string', placeholder: 'PATH', description: 'the models module (default src/db/schema.ts)', example: '--schema src/db/schema.ts' },
  },
  async run(ctx) {
    const report = await check({
      dir: ctx.config().migrations.dir,
      schemaPath: schemaPath(ctx),
      cwd: ctx.cwd,
    });
    if (ctx.values.json) ctx.out(JSON.stringify(report, null, 2));
    else printReport(ctx, report);
    return report.ok ? ExitCode.Ok : ExitCode.ProblemsFound;
  },
};

function printReport(ctx: CommandContext, report: CheckReport): void {
  for (const n of report.notes) ctx.err(`note: ${n}`);
  if (report.ok) {
    ctx.out(`check: ok: ${report.migrations} migration(s) up to ${report.newest ?? '(none)'}; models in sync, snapshot chain intact, down files present, lint clean`);
    return;
  }
  const style = ctx.style.err;
  for (const p of report.problems) {
    ctx.err(`${style.yellow(`problem[${p.kind}]:`)} ${p.message}`);
    for (const d of p.details) ctx.err(`  ${d}`);
    if (p.fix) ctx.err(`  ${style.green('fix:')} ${localizeCommands(p.fix, ctx.invocation)}`);
  }
  ctx.err(style.red(`check: ${report.problems.length} problem(s) found`));
}
