import path from 'node:path';
import { DbshipError } from '../../errors.js';
import { acceptDifferences, writeAccepted } from '../../migrator/drift/accepted.js';
import { detectDrift, failingDifferences, type DriftReport } from '../../migrator/drift/index.js';
import type { Command, CommandContext } from '../command.js';
import { commandLine } from '../invocation.js';
import { ExitCode } from '../../exit-codes.js';
import { displayPath } from '../../display-path.js';

/**
 * `dbship drift [--json]`: the live database against the models (the newest snapshot). One line
 * per difference on stdout; exit 6 when a difference that is not accepted fails, else 0 ("No
 * drift" when there is none). `drift --accept --reason "..."` writes the reviewed list of accepted
 * differences instead. Never prompts.
 */
export const command: Command = {
  name: 'drift',
  summary: 'compare the live database with the models (newest snapshot); exit 6 on a difference not accepted',
  usage: ['drift [--json]', 'drift --accept --reason "why these differences are fine"'],
  options: {
    json: { type: 'boolean', description: 'print the report as JSON on stdout', example: '--json' },
    accept: { type: 'boolean', description: 'write every current difference to the reviewed list of accepted differences (migrations/dbship-drift-accepted.json)', example: '--accept --reason "index created by hand in 0003"' },
    reason: { type: 'string', description: 'why the newly accepted differences are fine; stored with each entry (needed with --accept when something is added)', example: '--reason "legacy column kept for reports"' },
  },
  async run(ctx) {
    if (ctx.values.reason !== undefined && !ctx.values.accept) throw usage('--reason goes with --accept');
    const report = await detectDrift(ctx.config(), { drizzle: ctx.project().drizzleTable ?? undefined });
    if (ctx.values.accept) return accept(ctx, report, String(ctx.values.reason ?? '').trim());
    if (ctx.values.json) {
      ctx.out(JSON.stringify(report, null, 2));
    } else {
      for (const d of report.differences) ctx.out(d.severity === 'warning' ? `warning: ${d.message}` : d.message);
      if (report.differences.length === 0) ctx.out('No drift');
      printContext(ctx, report);
    }
    return failingDifferences(report).length > 0 ? ExitCode.ProblemsFound : ExitCode.Ok;
  },
};

/** Rewrites the accepted list: every current difference, the new ones with `reason`; stale entries dropped. */
function accept(ctx: CommandContext, report: DriftReport, reason: string): ExitCode {
  if (report.pending.length > 0 || report.unknown.length > 0) {
    throw usage(report.pending.length > 0
      ? `${report.pending.length} migration(s) of this build are not applied yet (${report.pending.join(', ')}): their changes would be accepted as drift`
      : `the database has migration(s) this build does not know (${report.unknown.join(', ')}): its differences are a newer release, not drift`,
    'run `dbship upgrade` (or use the build that matches the database), then `dbship drift --accept` again.');
  }
  if (report.differences.length > 0 && reason === '') {
    throw usage(`${report.differences.length} difference(s) would be accepted without a reason`, 'add --reason "..." saying why they are fine (it is stored with each entry for review).');
  }
  const entries = acceptDifferences({ open: report.differences, accepted: report.accepted, stale: report.stale }, reason);
  const file = writeAccepted(path.dirname(report.acceptedFile), entries);
  for (const d of report.differences) ctx.out(`accepted: ${d.message}`);
  for (const e of report.stale) ctx.out(`removed (no longer differs): ${e.key}`);
  const where = displayPath(file, ctx.cwd);
  ctx.err(`${where}: ${entries.length} accepted difference(s) (${report.differences.length} new, ${report.stale.length} removed); review and commit it`);
  return ExitCode.Ok;
}

/** Diagnostics on stderr: what was compared, what the list accepted, and why differences may be expected. */
function printContext(ctx: CommandContext, report: DriftReport): void {
  const reference = report.snapshot ? displayPath(report.snapshot, ctx.cwd) : null;
  ctx.err(reference ? `compared with the models as of ${reference}` : 'no snapshot in the migrations folder: the models are empty');
  const n = report.differences.length;
  if (n > 0) ctx.err(`${n} difference${n > 1 ? 's' : ''} between the database and the models`);
  const list = displayPath(report.acceptedFile, ctx.cwd);
  if (report.accepted.length > 0) ctx.err(`${report.accepted.length} more accepted by ${list}`);
  for (const e of report.stale) {
    ctx.err(`note: ${list} accepts "${e.key}", which no longer differs: run \`dbship drift --accept\` to drop it from the list`);
  }
  if (report.pending.length > 0) {
    ctx.err(`note: ${report.pending.length} migration(s) not applied yet (${report.pending.join(', ')}): run \`${commandLine(ctx.invocation, 'upgrade')}\`, then check again`);
  }
  if (report.unknown.length > 0) {
    ctx.err(`note: the database has migration(s) this build does not know (${report.unknown.join(', ')}): it is ahead of these models`);
  }
}

function usage(message: string, fix = 'see `dbship drift --help`.'): DbshipError {
  return new DbshipError('USAGE', message, { fix });
}
