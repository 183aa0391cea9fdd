import { DbshipError } from '../../errors.js';
import { deploy, type DriftPolicy } from '../../migrator/deploy.js';
import type { Command } from '../command.js';
import { logEvents } from '../render-events.js';
import { ExitCode } from '../../exit-codes.js';

export const command: Command = {
  name: 'deploy',
  summary: 'init container: wait for the database, apply pending migrations under the lock, check drift, exit',
  usage: ['deploy [--wait DURATION] [--drift fail|warn|off]'],
  options: {
    wait: { type: 'string', placeholder: 'DURATION', description: 'how long to wait for the database to accept connections (default DB_WAIT, 60s)', example: '--wait 2m' },
    drift: { type: 'string', placeholder: 'fail|warn|off', description: 'what a difference between the database and the models does after upgrading (default fail)', example: '--drift warn' },
  },
  async run(ctx) {
    const config = ctx.config();
    const log = ctx.logger();
    const drift = (ctx.values.drift ?? 'fail') as DriftPolicy;
    if (!['fail', 'warn', 'off'].includes(drift)) throw usage(`--drift must be fail, warn or off (got "${drift}")`);
    log.info({ host: config.identity.host, image: config.identity.image }, 'deploy: waiting for the database');
    let result;
    try {
      result = await deploy(config, { drift, drizzle: ctx.project().drizzleTable ?? undefined, signal: ctx.signal, onEvent: logEvents(log), cwd: ctx.cwd });
    } catch (err) {
      if (!(err instanceof DbshipError)) throw err;
      // One structured line an operator (or `kubectl logs`) can read; the exit code tells the kubelet.
      log.error({ code: err.code, exitCode: err.exitCode, details: err.details, why: err.why, fix: err.fix }, err.message);
      return err.exitCode;
    }
    const applied = result.upgrade.applied;
    if (applied.length === 0) log.info({ ahead: result.upgrade.ahead }, 'No upgrade items found');
    else log.info({ applied: applied.map((a) => a.name), lockWaitMs: result.upgrade.lockWaitMs }, `deploy: applied ${applied.length} migration(s)`);
    const deferred = result.upgrade.deferred;
    if (deferred) log.warn({ contract: deferred.name, releases: deferred.releases }, `deploy: ${deferred.name} waits for the older release(s) to be gone; the app may start (it does not need it)`);
    log.info({ waitedMs: result.waitedMs, drift: result.drift ? result.drift.differences.length : 'skipped' }, 'deploy: done, the app may start');
    return ExitCode.Ok;
  },
};

function usage(message: string): DbshipError {
  return new DbshipError('USAGE', message, { fix: 'see `dbship deploy --help`.' });
}
