/** Progress the engine reports while it works; the CLI prints or logs them. */
export type EngineEvent =
  | { type: 'lock-wait'; holder: string; waitedMs: number }
  | { type: 'lock-acquired'; waitedMs: number }
  | { type: 'retry'; name: string; attempt: number; delayMs: number; statement: string; blocker?: string | undefined }
  | { type: 'applying'; name: string; transactional: boolean }
  | { type: 'applied'; name: string; durationMs: number }
  | { type: 'reverting'; name: string; transactional: boolean }
  | { type: 'reverted'; name: string; durationMs: number }
  | { type: 'warning'; message: string }
  | { type: 'wait-db'; attempt: number; reason: string; waitedMs: number }
  | { type: 'backfill'; name: string; rowsDone: number; batches: number; lastKey: string | null; estimatedRows: number | null; rowsPerSecond: number; etaMs: number | null }
  | { type: 'contract-deferred'; name: string; expand: string; releases: string[]; windowMs: number };

/** What every engine call accepts: an abort signal (SIGTERM), a listener for its progress, and where paths are shown from. */
export interface RunOptions {
  /** Aborting closes the connection: the server rolls back the migration in progress. */
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((e: EngineEvent) => void) | undefined;
  /** The caller's working directory: file paths in messages are shown relative to it (default: absolute). */
  readonly cwd?: string | undefined;
}

/** A warning callback (e.g. for a `.sql` file the journal does not list) that reports `warning` events. */
export function warnWith(onEvent: ((e: EngineEvent) => void) | undefined): (message: string) => void {
  return (message) => onEvent?.({ type: 'warning', message });
}
