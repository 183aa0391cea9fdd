import { DbshipError } from '../../errors.js';
import { deploy, type DriftPolicy } from '../../migrator/deploy.js';
import type { EngineEvent } from '../../migrator/runtime/events.js';
import type { Logger } from '../../logger.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../exit-codes.js';

export const command: Command = {
  name: 'deploy',
  summary: 'init container: wait for the database, apply pending migrations under the lock, check drift, exit',
  usage: ['deploy [--wait DURATION] [--drift fail|warn|off]'],
  options: { wait: { type: 'string' }, drift: { type: 'string' } },
  async run(ctx) {
    const config = ctx.config();
    const log = ctx.logger();
    const drift = (ctx.values.drift ?? 'fail') as DriftPolicy;
    if (!['fail', 'warn', 'off'].includes(drift)) throw usage(`--drift must be fail, warn or off (got "${drift}")`);
    log.info({ host: config.identity.host, image: config.identity.image }, 'deploy: waiting for the database');
    let result;
    try {
      result = await deploy(config, { drift, signal: ctx.signal, onEvent: logEvents(log) });
    } catch (err) {
      if (!(err instanceof DbshipError)) throw err;
      // One structured line an operator (or `kubectl logs`) can read; the exit code tells the kubelet.
      log.error({ code: err.code, exitCode: err.exitCode, details: err.details, why: err.why, fix: err.fix }, err.message);
      return err.exitCode;
    }
    const applied = result.upgrade.applied;
    if (applied.length === 0) log.info({ ahead: result.upgrade.ahead }, 'No upgrade items found');
    else log.info({ applied: applied.map((a) => a.name), lockWaitMs: result.upgrade.lockWaitMs }, `deploy: applied ${applied.length} migration(s)`);
    log.info({ waitedMs: result.waitedMs, drift: result.drift ? result.drift.differences.length : 'skipped' }, 'deploy: done, the app may start');
    return ExitCode.Ok;
  },
};

function usage(message: string): DbshipError {
  return new DbshipError('USAGE', message, { fix: 'see `dbship deploy --help`.' });
}

/** Engine progress as structured log lines (JSON in a container). */
export function logEvents(log: Logger): (e: EngineEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'wait-db':
        log.warn({ attempt: e.attempt, waitedMs: e.waitedMs, reason: e.reason }, `database not reachable yet: ${e.reason}`);
        break;
      case 'lock-wait':
        log.info({ holder: e.holder, waitedMs: e.waitedMs }, `waiting for the migration lock held by ${e.holder}`);
        break;
      case 'lock-acquired':
        log.info({ waitedMs: e.waitedMs }, 'migration lock acquired');
        break;
      case 'applying':
        log.info({ migration: e.name, transactional: e.transactional }, `applying ${e.name}`);
        break;
      case 'applied':
        log.info({ migration: e.name, durationMs: e.durationMs }, `applied ${e.name}`);
        break;
      case 'retry':
        log.warn({ migration: e.name, attempt: e.attempt, delayMs: e.delayMs, statement: e.statement, blocker: e.blocker ?? null }, `lock_timeout: retrying; blocked by ${e.blocker ?? 'a session that was not seen'}`);
        break;
      case 'warning':
        log.warn(e.message);
        break;
      default:
        break;
    }
  };
}
