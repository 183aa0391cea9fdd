import path from 'node:path';
import { DbshipError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { UnsafeRefusal } from '../../migrator/generate/lint-generated.js';
import { generate, type GenerateResult } from '../../migrator/generate/index.js';
import { RenameRefusal } from '../../migrator/generate/renames.js';
import { parseRename } from '../../migrator/generate/online-rename.js';
import { parseFill } from '../../migrator/generate/online-fill.js';
import { parseRetype } from '../../migrator/generate/online-retype.js';
import type { Command, CommandContext } from '../command.js';
import { formatFindings } from '../../migrator/lint/index.js';
import { commandLine } from '../invocation.js';
import { schemaPath } from '../models-reminder.js';
import { formatRenameRefusal, formatUnsafeRefusal } from '../refusal.js';
import { displayPath } from '../../display-path.js';

export const command: Command = {
  name: 'generate',
  summary: 'diff the models with the newest snapshot and write the next migration (+ down file, snapshot)',
  usage: ['generate --name NAME [--schema PATH] [--allow-unsafe]', 'generate --name NAME --custom', 'generate --name NAME --rename [SCHEMA.]TABLE.OLD=NEW', 'generate --name NAME --fill [SCHEMA.]TABLE.COLUMN=SQL', 'generate --name NAME --retype [SCHEMA.]TABLE.COLUMN'],
  options: {
    name: { type: 'string', placeholder: 'NAME', description: 'what the change does, snake_case: the file becomes NNNN_NAME.sql', example: '--name add_user_bio' },
    custom: { type: 'boolean', description: 'write an empty migration pair to fill in by hand (data changes)', example: '--name backfill_user_bio --custom' },
    'allow-unsafe': { type: 'boolean', description: 'write statements the lint rejects, each marked -- dbship:allow for review', example: '--name drop_user_legacy --allow-unsafe' },
    rename: { type: 'string', placeholder: 'TABLE.OLD=NEW', description: 'declare a column rename: written as an online change (expand, backfill, contract) that both releases survive', example: '--name rename_user_name --rename users.name=full_name' },
    fill: { type: 'string', placeholder: 'TABLE.COLUMN=SQL', description: 'the models make a column that has NULLs NOT NULL: written as an online change that gives the NULLs this value', example: `--name require_user_name --fill "users.name='unknown'"` },
    retype: { type: 'string', placeholder: 'TABLE.COLUMN', description: 'the models widen a column\'s type (integer to bigint, a longer varchar), a single-column primary key included: written as an online change without a table rewrite', example: '--name widen_score --retype users.score' },
    schema: { type: 'string', placeholder: 'PATH', description: 'the models module (default src/db/schema.ts)', example: '--name add_user_bio --schema src/db/schema.ts' },
  },
  async run(ctx) {
    const name = ctx.values.name;
    if (typeof name !== 'string' || name === '') {
      throw new DbshipError('USAGE', 'generate needs --name', {
        fix: `name the change in snake_case, e.g. \`${commandLine(ctx.invocation, 'generate --name add_user_bio')}\`.`,
      });
    }
    let result: GenerateResult;
    try {
      result = await generate({
        dir: ctx.config().migrations.dir,
        name,
        schemaPath: schemaPath(ctx),
        custom: ctx.values.custom === true,
        allowUnsafe: ctx.values['allow-unsafe'] === true,
        rename: typeof ctx.values.rename === 'string' ? parseRename(ctx.values.rename) : undefined,
        fill: typeof ctx.values.fill === 'string' ? await parseFill(ctx.values.fill) : undefined,
        retype: typeof ctx.values.retype === 'string' ? parseRetype(ctx.values.retype) : undefined,
        cwd: ctx.cwd,
      });
    } catch (e) {
      return refused(ctx, e, name);
    }
    if (result.status === 'no-changes') {
      ctx.out('No changes: the models match the newest snapshot; nothing written');
      return ExitCode.Ok;
    }
    printWritten(ctx, result);
    return ExitCode.Ok;
  },
};

/** Prints a refusal in its short, action-first form; any other error goes to the usual report. */
function refused(ctx: CommandContext, e: unknown, name: string): ExitCode {
  const style = ctx.style.err;
  if (e instanceof UnsafeRefusal) for (const line of formatUnsafeRefusal(e.findings, name, ctx.invocation, style)) ctx.err(line);
  else if (e instanceof RenameRefusal) for (const line of formatRenameRefusal(e.ambiguities, style)) ctx.err(line);
  else throw e;
  return e.exitCode;
}

function printWritten(ctx: CommandContext, result: GenerateResult): void {
  const rel = (p: string) => displayPath(p, ctx.cwd);
  for (const m of result.migrations) {
    ctx.out(`wrote ${rel(m.upPath)}${m.transactional ? '' : '  (no transaction)'}`);
    ctx.out(`      ${rel(m.downPath)}`);
    ctx.out(`      ${rel(m.snapshotPath)}`);
  }
  if (result.findings.length === 0) {
    ctx.err('lint: clean');
  } else {
    for (const line of formatFindings(result.findings.map((f) => ({ ...f, file: rel(f.file) })), { statement: true })) ctx.err(line);
    const errors = result.findings.filter((f) => f.severity === 'error').length;
    ctx.err(`lint: ${errors} error(s) accepted with --allow-unsafe (marked dbship:allow in the files), ${result.findings.length - errors} warning(s)`);
  }
  for (const note of result.notes ?? []) ctx.err(`note: ${note}`);
  ctx.err(`next: review the files, apply them locally with \`${commandLine(ctx.invocation, 'upgrade')}\`, and commit them with the model change.`);
}
