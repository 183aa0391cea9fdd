import path from 'node:path';
import { DbshipError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { UnsafeRefusal } from '../../migrator/generate/lint-generated.js';
import { generate, type GenerateResult } from '../../migrator/generate/index.js';
import { RenameRefusal } from '../../migrator/generate/renames.js';
import { parseRename } from '../../migrator/generate/online-rename.js';
import { parseFill } from '../../migrator/generate/online-fill.js';
import { parseRetype, type RetypeRequest } from '../../migrator/generate/online-retype.js';
import { parseUsing, parseZone } from '../../migrator/generate/online-cast.js';
import { parseSplit } from '../../migrator/generate/online-split.js';
import type { Command, CommandContext } from '../command.js';
import { formatFindings } from '../../migrator/lint/index.js';
import { commandLine } from '../invocation.js';
import { schemaPath } from '../models-reminder.js';
import { formatRenameRefusal, formatUnsafeRefusal } from '../refusal.js';
import { displayPath } from '../../display-path.js';

export const command: Command = {
  name: 'generate',
  summary: 'diff the models with the newest snapshot and write the next migration (+ down file, snapshot)',
  usage: ['generate --name NAME [--schema PATH] [--allow-unsafe]', 'generate --name NAME --custom', 'generate --name NAME --rename [SCHEMA.]TABLE.OLD=NEW', 'generate --name NAME --fill [SCHEMA.]TABLE.COLUMN=SQL', 'generate --name NAME --retype [SCHEMA.]TABLE.COLUMN [--using SQL] [--zone ZONE]', 'generate --name NAME --split [SCHEMA.]TABLE.OLD=NEW1,NEW2 --split-expr NEW1=SQL --split-expr NEW2=SQL --join-expr SQL'],
  options: {
    name: { type: 'string', placeholder: 'NAME', description: 'what the change does, snake_case: the file becomes NNNN_NAME.sql', example: '--name add_user_bio' },
    custom: { type: 'boolean', description: 'write an empty migration pair to fill in by hand (data changes)', example: '--name backfill_user_bio --custom' },
    'allow-unsafe': { type: 'boolean', description: 'write statements the lint rejects, each marked -- dbship:allow for review', example: '--name drop_user_legacy --allow-unsafe' },
    rename: { type: 'string', placeholder: 'TABLE.OLD=NEW', description: 'declare a column rename: written as an online change (expand, backfill, contract) that both releases survive', example: '--name rename_user_name --rename users.name=full_name' },
    fill: { type: 'string', placeholder: 'TABLE.COLUMN=SQL', description: 'the models make a column that has NULLs NOT NULL: written as an online change that gives the NULLs this value', example: `--name require_user_name --fill "users.name='unknown'"` },
    retype: { type: 'string', placeholder: 'TABLE.COLUMN', description: 'the models change a column\'s type (integer to bigint or back, text to varchar(n), timestamp to timestamptz; a single-column primary key widened with its identity and foreign keys): written as an online change without a table rewrite; a narrowing change refuses values that do not fit', example: '--name widen_score --retype users.score' },
    using: { type: 'string', placeholder: 'SQL', description: 'with --retype: the conversion, one SQL expression over the column (the down file casts back plainly)', example: '--name shorten_name --retype users.name --using "left(name, 100)"' },
    zone: { type: 'string', placeholder: 'ZONE', description: 'with --retype between timestamp and timestamptz: the IANA time zone the timestamp values are in (required for that change)', example: '--name zone_seen_at --retype users.seen_at --zone UTC' },
    split: { type: 'string', placeholder: 'TABLE.OLD=NEW1,NEW2', description: 'the models replace a column by two or more: written as an online change that keeps both shapes in step (needs --split-expr and --join-expr)', example: '--name split_user_name --split users.name=first_name,last_name' },
    'split-expr': { type: 'string', multiple: true, placeholder: 'NEW=SQL', description: 'with --split, once per new column: its value as a SQL expression over the old column', example: `--split-expr "first_name=split_part(name, ' ', 1)"` },
    'join-expr': { type: 'string', placeholder: 'SQL', description: 'with --split: the old column\'s value as a SQL expression over the new columns (for the rows release N+1 writes)', example: `--join-expr "nullif(concat_ws(' ', first_name, last_name), '')"` },
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
        retype: await retypeOf(ctx.values),
        split: await splitOption(ctx),
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

/** `--split` with its `--split-expr` and `--join-expr`; those two alone are a usage error. */
async function splitOption(ctx: CommandContext): Promise<Awaited<ReturnType<typeof parseSplit>> | undefined> {
  const exprs = (ctx.values['split-expr'] ?? []) as string[];
  const join = typeof ctx.values['join-expr'] === 'string' ? ctx.values['join-expr'] : undefined;
  if (typeof ctx.values.split === 'string') return parseSplit(ctx.values.split, exprs, join);
  if (exprs.length > 0 || join !== undefined) {
    throw new DbshipError('USAGE', '--split-expr and --join-expr go with --split', { fix: 'name the column and the new ones with --split [SCHEMA.]TABLE.OLD=NEW1,NEW2.' });
  }
  return undefined;
}

/** `--retype` with its `--using` and `--zone`, which mean nothing without it. */
async function retypeOf(values: Record<string, unknown>): Promise<RetypeRequest | undefined> {
  const [using, zone] = [values.using, values.zone].map((v) => (typeof v === 'string' ? v : undefined));
  if (typeof values.retype !== 'string') {
    if (using === undefined && zone === undefined) return undefined;
    throw new DbshipError('USAGE', '--using and --zone go with --retype', { fix: 'name the column whose type changes: --retype [schema.]table.column.' });
  }
  const r = parseRetype(values.retype);
  return { ...r, using: using === undefined ? undefined : await parseUsing(using, r.column), zone: zone === undefined ? undefined : parseZone(zone) };
}

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
