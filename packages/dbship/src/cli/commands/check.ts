import path from 'node:path';
import { check, type CheckReport } from '../../migrator/generate/check.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../../exit-codes.js';

export const command: Command = {
  name: 'check',
  summary: 'CI / pre-commit gate without a database: models match the snapshot, chain intact, down files, lint clean',
  usage: ['check [--json] [--schema PATH]'],
  options: { json: { type: 'boolean' }, schema: { type: 'string' } },
  async run(ctx) {
    const report = await check({
      dir: ctx.config().migrations.dir,
      schemaPath: path.resolve(ctx.cwd, typeof ctx.values.schema === 'string' ? ctx.values.schema : 'src/db/schema.ts'),
      cwd: ctx.cwd,
    });
    if (ctx.values.json) ctx.out(JSON.stringify(report, null, 2));
    else printReport(ctx, report);
    return report.ok ? ExitCode.Ok : ExitCode.ProblemsFound;
  },
};

function printReport(ctx: CommandContext, report: CheckReport): void {
  if (report.ok) {
    ctx.out(`check: ok: ${report.migrations} migration(s) up to ${report.newest ?? '(none)'}; models in sync, snapshot chain intact, down files present, lint clean`);
    return;
  }
  for (const p of report.problems) {
    ctx.err(`problem[${p.kind}]: ${p.message}`);
    for (const d of p.details) ctx.err(`  ${d}`);
    if (p.fix) ctx.err(`  fix: ${p.fix}`);
  }
  ctx.err(`check: ${report.problems.length} problem(s) found`);
}
