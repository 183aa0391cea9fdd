import path from 'node:path';
import { DbshipError } from '../../errors.js';
import { generate } from '../../migrator/generate.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';

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
    const dir = ctx.config().migrations.dir;
    const result = await generate({
      dir,
      name,
      schemaPath: path.resolve(ctx.cwd, typeof ctx.values.schema === 'string' ? ctx.values.schema : 'src/db/schema.ts'),
      custom: ctx.values.custom === true,
      allowUnsafe: ctx.values['allow-unsafe'] === true,
    });
    if (result.status === 'no-changes') {
      ctx.out('No changes: the models match the newest snapshot; nothing written');
      return ExitCode.Ok;
    }
    for (const m of result.migrations) {
      const rel = (p: string) => path.relative(ctx.cwd, p);
      ctx.out(`wrote ${rel(m.upPath)}${m.transactional ? '' : ' (no transaction)'}`);
      ctx.out(`      ${rel(m.downPath)}`);
      ctx.out(`      ${rel(m.snapshotPath)}`);
    }
    return ExitCode.Ok;
  },
};
