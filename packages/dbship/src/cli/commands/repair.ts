import { repair } from '../../migrator/repair.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../exit-codes.js';
import { printEvents } from '../render-events.js';

export const command: Command = {
  name: 'repair',
  summary: 'accept changed migration files: record their new checksum, with a reason in the audit log',
  usage: ['repair --reason "..." [--name NAME]'],
  options: {
    reason: { type: 'string', placeholder: 'TEXT', description: 'why the changed file is accepted (required; kept in the audit log)', example: '--reason "comment typo fixed"' },
    name: { type: 'string', placeholder: 'NAME', description: 'accept only this migration (default: every changed one)', example: '--name 0001_add_user_bio --reason "whitespace only"' },
  },
  async run(ctx) {
    const result = await repair(ctx.config(), {
      reason: (ctx.values.reason as string | undefined) ?? '',
      name: ctx.values.name as string | undefined,
      signal: ctx.signal,
      onEvent: printEvents(ctx),
      cwd: ctx.cwd,
    });
    if (result.repaired.length === 0) {
      ctx.out('Nothing to repair: no applied migration file has changed');
    }
    for (const r of result.repaired) {
      ctx.out(`Repaired ${r.name}: checksum ${r.previousChecksum.slice(0, 12)} -> ${r.checksum.slice(0, 12)}`);
    }
    if (result.missing.length > 0) {
      ctx.err(`warning: ${result.missing.join(', ')} ${result.missing.length > 1 ? 'are' : 'is'} applied but missing from this build; repair cannot accept a deleted file: restore it from version control`);
    }
    return ExitCode.Ok;
  },
};
