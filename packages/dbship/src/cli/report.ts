import type { EngineEvent } from '../migrator/runtime/events.js';
import type { CommandContext } from './command.js';

/** Prints engine progress for a person: results to stdout, waits and warnings to stderr. */
export function printEvents(ctx: Pick<CommandContext, 'out' | 'err'>): (e: EngineEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'lock-wait':
        ctx.err(`waiting for the migration lock held by ${e.holder} (waited ${seconds(e.waitedMs)})`);
        break;
      case 'retry':
        ctx.err(`${e.name}: lock_timeout on "${e.statement}"; retry ${e.attempt} in ${seconds(e.delayMs)}; blocked by ${e.blocker ?? 'a session that was not seen'}`);
        break;
      case 'applied':
        ctx.out(`Applied ${e.name} (${e.durationMs} ms)`);
        break;
      case 'reverted':
        ctx.out(`Reverted ${e.name} (${e.durationMs} ms)`);
        break;
      case 'warning':
        ctx.err(`warning: ${e.message}`);
        break;
      case 'wait-db':
        ctx.err(`database not reachable yet (attempt ${e.attempt}, ${seconds(e.waitedMs)}): ${e.reason}`);
        break;
      default:
        break;
    }
  };
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
