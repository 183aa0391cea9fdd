import { history } from '../../migrator/status.js';
import type { HistoryEntry } from '../../migrator/runtime/tracking.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../exit-codes.js';
import { seconds } from '../render-events.js';

export const command: Command = {
  name: 'history',
  summary: 'the audit log: every apply, revert, baseline and repair, by whom, how long, why',
  usage: ['history [--name NAME] [--json]'],
  options: {
    name: { type: 'string', placeholder: 'NAME', description: 'only the entries of this migration', example: '--name 0001_add_user_bio' },
    json: { type: 'boolean', description: 'print the entries as JSON on stdout', example: '--json' },
  },
  async run(ctx) {
    const name = ctx.values.name as string | undefined;
    const entries = await history(ctx.config(), { name });
    if (ctx.values.json) {
      ctx.out(JSON.stringify(entries, null, 2));
      return ExitCode.Ok;
    }
    if (entries.length === 0) {
      ctx.out(name === undefined
        ? 'No history: no migration has been applied, reverted, baselined or repaired on this database'
        : `No history for ${name}`);
      return ExitCode.Ok;
    }
    for (const line of formatHistory(entries)) ctx.out(line);
    return ExitCode.Ok;
  },
};

const HEADERS = ['AT', 'ACTION', 'NAME', 'CHECKSUM', 'BY', 'DURATION', 'LOCK WAIT', 'REASON'] as const;

/** The audit log as an aligned table, oldest first; a repair shows `old -> new` checksum. */
export function formatHistory(entries: readonly HistoryEntry[]): string[] {
  const rows = entries.map((e) => [
    e.at.toISOString(),
    e.action,
    e.name,
    e.previousChecksum ? `${short(e.previousChecksum)} -> ${short(e.checksum)}` : short(e.checksum),
    e.image ? `${e.byHost} (${e.image})` : e.byHost,
    e.durationMs === null ? '-' : seconds(e.durationMs),
    e.lockWaitMs === null ? '-' : seconds(e.lockWaitMs),
    e.reason ?? '',
  ]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(HEADERS), ...rows.map(line)];
}

function short(checksum: string | null): string {
  return checksum === null ? '-' : checksum.slice(0, 12);
}
