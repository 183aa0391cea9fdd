import { baseline, DRIZZLE_TABLE } from '../../migrator/baseline.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../exit-codes.js';
import { printEvents } from '../render-events.js';

export const command: Command = {
  name: 'baseline',
  summary: 'adopt an existing database: record migrations up to NAME as applied without running them',
  usage: [
    'baseline --to NAME [--reason "..."]',
    `baseline [--drizzle-table ${DRIZZLE_TABLE}]   (up to the newest migration drizzle-kit applied)`,
  ],
  options: {
    to: { type: 'string', placeholder: 'NAME', description: 'record the migrations up to this one (with or without its NNNN_ prefix)', example: '--to 0001_add_user_bio' },
    'drizzle-table': { type: 'string', placeholder: 'SCHEMA.TABLE', description: "drizzle-kit's migrations table to adopt (its rows must match this build's files)", example: `--drizzle-table ${DRIZZLE_TABLE}` },
    reason: { type: 'string', placeholder: 'TEXT', description: 'why, recorded in the audit log', example: '--to 0001_add_user_bio --reason "adopted from drizzle-kit"' },
  },
  async run(ctx) {
    // drizzle-kit's table where the project's drizzle.config declares it, unless the flag says otherwise.
    const declared = ctx.project().drizzleTable;
    const result = await baseline(ctx.config(), {
      to: ctx.values.to as string | undefined,
      drizzleTable: (ctx.values['drizzle-table'] as string | undefined) ?? (declared ? `${declared.schema}.${declared.table}` : undefined),
      reason: ctx.values.reason as string | undefined,
      signal: ctx.signal,
      onEvent: printEvents(ctx),
      cwd: ctx.cwd,
    });
    if (result.drizzle) ctx.err(`read ${result.drizzle.rows} row(s) from ${result.drizzle.table}: every one matches a migration of this build`);
    for (const name of result.baselined) ctx.out(`Baselined ${name}`);
    if (result.baselined.length === 0) {
      ctx.out(`Nothing to baseline: every migration up to ${result.target} is already recorded`);
    } else {
      ctx.out(`Baseline: ${result.baselined.length} migration(s) recorded as applied, up to ${result.target} (none was run)`);
    }
    return ExitCode.Ok;
  },
};
