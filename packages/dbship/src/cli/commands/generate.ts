import path from 'node:path';
import { DbshipError } from '../../errors.js';
import { formatFinding } from '../../migrator/generate/lint-generated.js';
import { generate, type GenerateResult } from '../../migrator/generate/index.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../../exit-codes.js';

export const command: Command = {
  name: 'generate',
  summary: 'diff the models with the newest snapshot and write the next migration (+ down file, snapshot)',
  usage: ['generate --name NAME [--schema PATH] [--allow-unsafe]', 'generate --name NAME --custom'],
  options: {
    name: { type: 'string' },
    custom: { type: 'boolean' },
    'allow-unsafe': { type: 'boolean' },
    schema: { type: 'string' },
  },
  async run(ctx) {
    const name = ctx.values.name;
    if (typeof name !== 'string' || name === '') {
      throw new DbshipError('USAGE', 'generate needs --name', {
        fix: 'name the change in snake_case, e.g. `dbship generate --name add_user_bio`.',
      });
    }
    const result = await generate({
      dir: ctx.config().migrations.dir,
      name,
      schemaPath: path.resolve(ctx.cwd, typeof ctx.values.schema === 'string' ? ctx.values.schema : 'src/db/schema.ts'),
      custom: ctx.values.custom === true,
      allowUnsafe: ctx.values['allow-unsafe'] === true,
      cwd: ctx.cwd,
    });
    if (result.status === 'no-changes') {
      ctx.out('No changes: the models match the newest snapshot; nothing written');
      return ExitCode.Ok;
    }
    printWritten(ctx, result);
    return ExitCode.Ok;
  },
};

function printWritten(ctx: CommandContext, result: GenerateResult): void {
  const rel = (p: string) => path.relative(ctx.cwd, p);
  for (const m of result.migrations) {
    ctx.out(`wrote ${rel(m.upPath)}${m.transactional ? '' : '  (no transaction)'}`);
    ctx.out(`      ${rel(m.downPath)}`);
    ctx.out(`      ${rel(m.snapshotPath)}`);
  }
  if (result.findings.length === 0) {
    ctx.err('lint: clean');
  } else {
    for (const f of result.findings) for (const line of formatFinding(f, rel)) ctx.err(line);
    const errors = result.findings.filter((f) => f.severity === 'error').length;
    ctx.err(`lint: ${errors} error(s) accepted with --allow-unsafe (marked dbship:allow in the files), ${result.findings.length - errors} warning(s)`);
  }
  ctx.err('next: review the files, apply them locally with `npm run db -- upgrade`, and commit them with the model change.');
}
