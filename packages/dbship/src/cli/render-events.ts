import type { EngineEvent } from '../migrator/runtime/events.js';
import type { Logger } from '../logger.js';
import type { Style } from './style.js';

/** How one engine event reads for a person (`null`: not shown) and in a log line. */
export interface EventView {
  readonly human: { readonly stream: 'out' | 'err'; readonly tone: 'ok' | 'warn' | 'progress' | 'plain'; readonly text: string } | null;
  readonly log: { readonly level: 'info' | 'warn'; readonly msg: string; readonly fields: Record<string, unknown> };
}

/**
 * The one place engine events become text. The switch is exhaustive: a new event type does not
 * compile until it is rendered here, for people and for logs.
 */
export function viewEvent(e: EngineEvent): EventView {
  switch (e.type) {
    case 'wait-db':
      return {
        human: { stream: 'err', tone: 'warn', text: `database not reachable yet (attempt ${e.attempt}, ${seconds(e.waitedMs)}): ${e.reason}` },
        log: { level: 'warn', msg: `database not reachable yet: ${e.reason}`, fields: { attempt: e.attempt, waitedMs: e.waitedMs, reason: e.reason } },
      };
    case 'lock-wait':
      return {
        human: { stream: 'err', tone: 'plain', text: `waiting for the migration lock held by ${e.holder} (waited ${seconds(e.waitedMs)})` },
        log: { level: 'info', msg: `waiting for the migration lock held by ${e.holder}`, fields: { holder: e.holder, waitedMs: e.waitedMs } },
      };
    case 'lock-acquired':
      return { human: null, log: { level: 'info', msg: 'migration lock acquired', fields: { waitedMs: e.waitedMs } } };
    case 'applying':
      return {
        human: { stream: 'err', tone: 'progress', text: `applying ${e.name}${e.transactional ? '' : ' (no transaction)'} ...` },
        log: { level: 'info', msg: `applying ${e.name}`, fields: { migration: e.name, transactional: e.transactional } },
      };
    case 'applied':
      return {
        human: { stream: 'out', tone: 'ok', text: `Applied ${e.name} (${e.durationMs} ms)` },
        log: { level: 'info', msg: `applied ${e.name}`, fields: { migration: e.name, durationMs: e.durationMs } },
      };
    case 'reverting':
      return {
        human: { stream: 'err', tone: 'progress', text: `reverting ${e.name}${e.transactional ? '' : ' (no transaction)'} ...` },
        log: { level: 'info', msg: `reverting ${e.name}`, fields: { migration: e.name, transactional: e.transactional } },
      };
    case 'reverted':
      return {
        human: { stream: 'out', tone: 'ok', text: `Reverted ${e.name} (${e.durationMs} ms)` },
        log: { level: 'info', msg: `reverted ${e.name}`, fields: { migration: e.name, durationMs: e.durationMs } },
      };
    case 'retry':
      return {
        human: { stream: 'err', tone: 'warn', text: `${e.name}: lock_timeout on "${e.statement}"; retry ${e.attempt} in ${seconds(e.delayMs)}; blocked by ${e.blocker ?? 'a session that was not seen'}` },
        log: { level: 'warn', msg: `lock_timeout: retrying; blocked by ${e.blocker ?? 'a session that was not seen'}`, fields: { migration: e.name, attempt: e.attempt, delayMs: e.delayMs, statement: e.statement, blocker: e.blocker ?? null } },
      };
    case 'warning':
      return { human: { stream: 'err', tone: 'warn', text: `warning: ${e.message}` }, log: { level: 'warn', msg: e.message, fields: {} } };
    case 'backfill': {
      const of = e.estimatedRows === null ? '' : ` of ~${e.estimatedRows.toLocaleString('en-US')}`;
      const eta = e.etaMs === null ? '' : `, ETA ${seconds(e.etaMs)}`;
      return {
        human: { stream: 'err', tone: 'plain', text: `${e.name}: backfilled ${e.rowsDone.toLocaleString('en-US')}${of} rows in ${e.batches} batches (${e.rowsPerSecond.toLocaleString('en-US')} rows/s${eta})` },
        log: { level: 'info', msg: `backfill progress of ${e.name}`, fields: { migration: e.name, rowsDone: e.rowsDone, batches: e.batches, lastKey: e.lastKey, estimatedRows: e.estimatedRows, rowsPerSecond: e.rowsPerSecond, etaMs: e.etaMs } },
      };
    }
    case 'contract-deferred': {
      const text = `${e.name} not applied yet: release(s) older than ${e.expand} were seen within the last ${seconds(e.windowMs)}: ${e.releases.join('; ')}. It runs on a later deploy once they are gone (MIGRATE_RELEASE_WINDOW); migrations after it wait with it.`;
      return {
        human: { stream: 'err', tone: 'warn', text },
        log: { level: 'warn', msg: text, fields: { migration: e.name, expand: e.expand, releases: e.releases, windowMs: e.windowMs } },
      };
    }
    default:
      return unrendered(e);
  }
}

function unrendered(e: never): never {
  throw new Error(`engine event ${JSON.stringify(e)} has no rendering`);
}

/** Where people see events: line output plus, on a terminal, a line that can be redrawn. */
export interface EventSink {
  out(line: string): void;
  err(line: string): void;
  readonly style: { readonly out: Style; readonly err: Style };
  /** The terminal's progress line; absent when stderr is not a terminal. */
  readonly live?: LiveLine | undefined;
}

/** After this long, a running migration shows its elapsed time (on a terminal only). */
const SHOW_ELAPSED_AFTER_MS = 3000;

/** Prints engine progress for a person: results to stdout, progress, waits and warnings to stderr. */
export function printEvents(sink: EventSink): (e: EngineEvent) => void {
  return (e) => {
    sink.live?.end();
    const human = viewEvent(e).human;
    if (!human) return;
    if (human.tone === 'progress' && sink.live) {
      sink.live.show(sink.style.err.dim(human.text));
      return;
    }
    const style = human.stream === 'out' ? sink.style.out : sink.style.err;
    const text = human.tone === 'ok' ? human.text.replace(/^\w+/, (w) => style.green(w))
      : human.tone === 'warn' ? style.yellow(human.text)
        : human.tone === 'progress' ? style.dim(human.text) : human.text;
    (human.stream === 'out' ? sink.out : sink.err)(text);
  };
}

/**
 * A terminal's progress line (`applying NAME ...`): drawn without ending it, redrawn with the
 * elapsed time once per second after a few seconds, and ended (it stays on the screen) before
 * anything else is printed: the next event, the command's result, or its error.
 */
export class LiveLine {
  private timer: NodeJS.Timeout | undefined;
  private open = false;

  constructor(private readonly write: (raw: string) => void) {}

  show(text: string): void {
    this.end();
    const started = performance.now();
    this.write(text);
    this.open = true;
    this.timer = setInterval(() => {
      const ms = performance.now() - started;
      if (ms >= SHOW_ELAPSED_AFTER_MS) this.write(`\r\u001b[K${text} ${Math.floor(ms / 1000)} s`);
    }, 1000);
    this.timer.unref();
  }

  /** Stops the redraws and ends the line, if one is open. */
  end(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.open) this.write('\n');
    this.open = false;
  }
}

/** Engine progress as structured log lines (JSON in a container, for `kubectl logs`). */
export function logEvents(log: Logger): (e: EngineEvent) => void {
  return (e) => {
    const { level, msg, fields } = viewEvent(e).log;
    log[level](fields, msg);
  };
}

/** `850 ms`, `1.2 s`. */
export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
