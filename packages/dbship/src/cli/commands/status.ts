import { status } from '../../migrator/status.js';
import type { Command } from '../command.js';
import { printEvents } from '../render-events.js';
import { ExitCode } from '../../exit-codes.js';

export const command: Command = {
  name: 'status',
  summary: 'list migrations: applied, pending, modified, missing, unknown to this build',
  usage: ['status [--json] [--exit-code]'],
  options: {
    json: { type: 'boolean', description: 'print the rows and counts as JSON on stdout', example: '--json' },
    'exit-code': { type: 'boolean', description: 'exit 7 when migrations are pending, 5 when files are modified or missing (CI)', example: '--exit-code' },
  },
  async run(ctx) {
    const result = await status(ctx.config(), { onEvent: printEvents(ctx), cwd: ctx.cwd });
    if (ctx.values.json) {
      ctx.out(JSON.stringify(result, null, 2));
    } else {
      const width = Math.max(10, ...result.rows.map((r) => r.name.length));
      for (const r of result.rows) {
        const note = `${r.outOfOrder ? '  (out of order)' : ''}${r.partial ? `  (stopped part-way: ${r.partial.skipped} of ${r.partial.total} statements committed; the next run resumes at line ${r.partial.line})` : ''}`;
        const when = r.appliedAt ? `  ${r.appliedAt} by ${r.appliedBy}` : '';
        ctx.out(`${r.state.padEnd(8)} ${r.name.padEnd(width)}${when}${note}`);
      }
      if (result.rows.length === 0) ctx.out('No migrations in this build and none applied');
      const c = result.counts;
      ctx.err(`${c.applied} applied, ${c.pending} pending, ${c.modified} modified, ${c.missing} missing, ${c.unknown} unknown to this build`);
      if (result.lockHeldBy) ctx.err(`migration lock held by ${result.lockHeldBy}`);
      for (const n of result.notes) ctx.err(`note: ${n}`);
      for (const c of result.openChanges) {
        ctx.out(`open     ${c.expand}: ${c.change}`);
        if (c.backfill) ctx.out(`           backfill: ${c.backfill}`);
        const waits = c.waitingFor.length > 0 ? `waits for ${c.waitingFor.join('; ')}` : 'may run: no older release seen within MIGRATE_RELEASE_WINDOW';
        ctx.out(`           contract: ${c.contract ?? '(not in this build)'}: ${waits}`);
      }
      if (result.releases.length > 0) ctx.err(`releases seen: ${result.releases.join('; ')}`);
    }
    if (!ctx.values['exit-code']) return ExitCode.Ok;
    if (result.counts.modified > 0 || result.counts.missing > 0) return ExitCode.Integrity;
    return result.counts.pending > 0 ? ExitCode.Pending : ExitCode.Ok;
  },
};
