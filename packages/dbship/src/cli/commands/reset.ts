import { describeDb } from '../../config/db-connection.js';
import { DbshipError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { reset, resetSchemas } from '../../migrator/reset.js';
import { migrationDb } from '../../migrator/runtime/session.js';
import type { Command } from '../command.js';
import { commandLine } from '../invocation.js';
import { printEvents } from '../render-events.js';

/**
 * `dbship reset [--force]`: start a development database over. Allowed without asking on the
 * local database (the embedded one in `.data/`); any other database is refused unless `--force`,
 * and the refusal names it, so that a DATABASE_URL left pointing at production wipes nothing.
 */
export const command: Command = {
  name: 'reset',
  summary: 'wipe a development database: drop the app schemas and dbship\'s tracking schema (local only, unless --force)',
  usage: ['reset', 'reset --force   (a database other than the local embedded one)'],
  options: {
    force: { type: 'boolean', description: 'wipe a database that is not the local embedded one (DATABASE_URL / DB_*)', example: '--force' },
  },
  async run(ctx) {
    const config = ctx.config();
    const target = describeDb(migrationDb(config));
    const schemas = resetSchemas(config).join(', ');
    if (!ctx.localDatabase && ctx.values.force !== true) {
      throw new DbshipError('RESET_REFUSED', `refusing to wipe ${target}: it is not the local development database`, {
        why: `reset drops the schemas ${schemas} with all their data; without --force it only wipes the embedded database in .data/.`,
        fix: `if ${target} really is a disposable database, run \`${commandLine(ctx.invocation, 'reset --force')}\`.`,
      });
    }
    ctx.err(ctx.style.err.yellow(`reset: wiping ${target} (schemas ${schemas})`));
    const result = await reset(config, { signal: ctx.signal, onEvent: printEvents(ctx) });
    ctx.out(`Reset ${result.database}: dropped ${result.dropped.join(', ') || 'nothing'}; public is empty`);
    ctx.err(`next: \`${commandLine(ctx.invocation, 'upgrade')}\` applies this build's migrations from the start.`);
    return ExitCode.Ok;
  },
};
