import path from 'node:path';
import { DRIZZLE_TABLE } from '../../migrator/baseline.js';
import { init, type InitReport } from '../../migrator/generate/init.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../../exit-codes.js';
import { displayPath } from '../../display-path.js';

export const command: Command = {
  name: 'init',
  summary: 'adopt an existing drizzle-kit history: check it and write the missing down files from its snapshots',
  usage: ['init [--dir PATH] [--strict]'],
  options: {
    dir: { type: 'string', description: 'the drizzle-kit migrations folder (default: drizzle.config `out`, else MIGRATIONS_DIR, else migrations/)', example: '--dir drizzle' },
    strict: { type: 'boolean', description: 'treat a .sql file the journal does not list as an error instead of a warning', example: '--strict' },
  },
  async run(ctx) {
    const config = ctx.config();
    const given = ctx.values.dir;
    const dir = typeof given === 'string' ? path.resolve(ctx.cwd, given) : config.migrations.dir;
    const report = await init({
      dir,
      strict: ctx.values.strict === true || config.migrations.strict,
      warn: (message) => ctx.err(`warning: ${message}`),
    });
    printReport(ctx, report);
    printNextStep(ctx);
    return ExitCode.Ok;
  },
};

function printReport(ctx: CommandContext, r: InitReport): void {
  const rel = (p: string) => displayPath(p, ctx.cwd);
  const formats = Object.entries(r.formats).map(([v, n]) => `${n} in format ${v}`).join(', ') || 'none';
  ctx.out(`history: ${rel(r.dir)}: ${r.migrations} migration(s), journal version ${r.journal.version} (${r.journal.dialect}); snapshots: ${r.snapshots} (${formats})`);
  for (const e of r.entries) {
    if (e.outcome === 'written') ctx.out(`wrote ${rel(e.downPath)}`);
  }
  const present = r.entries.filter((e) => e.outcome === 'present').length;
  if (present > 0) ctx.out(`kept ${present} existing down file(s) unchanged`);
  const skipped = r.entries.filter((e) => e.outcome === 'skipped');
  for (const e of skipped) ctx.err(`not reversed: ${e.tag}: ${e.reason}`);
  if (skipped.length > 0) {
    ctx.err(`  fix: write those down files by hand (${skipped.length}), or make the first line of each "-- dbship:irreversible <reason>"; \`dbship check\` lists what is left.`);
  }
}

/** `baseline` with drizzle-kit's table as the project's drizzle.config declares it (else drizzle-kit's default). */
function printNextStep(ctx: CommandContext): void {
  const declared = ctx.project().drizzleTable;
  const table = declared ? `${declared.schema}.${declared.table}` : DRIZZLE_TABLE;
  ctx.out('next: review the new down files and commit them.');
  ctx.out(`      A database that drizzle-kit already migrated: adopt it once with \`dbship baseline --drizzle-table ${table}\``);
  ctx.out(`      (${declared ? 'the table your drizzle.config declares' : "drizzle-kit's default table"}; baseline records what drizzle-kit applied and runs nothing), then deploy with \`dbship deploy\`.`);
}
