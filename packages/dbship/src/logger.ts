import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

export type { Logger };

/** pino's levels, as `LOG_LEVEL` takes them. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Every {@link LogLevel}, for validating `LOG_LEVEL`. */
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Keys whose values are replaced before a line is written, wherever they appear. */
export const REDACT_PATHS = [
  'password', '*.password', '*.*.password', 'DB_PASS', 'MIGRATE_DB_PASS', 'DATABASE_URL', 'MIGRATE_DATABASE_URL',
  'connectionString', '*.connectionString', 'req.headers.authorization', 'req.headers.cookie',
];

/**
 * The logger: JSON lines when stderr is not a TTY (containers, CI), pretty when it is and
 * `pino-pretty` is installed (a development dependency, absent from the production image).
 * Logs go to stderr so that machine output on stdout stays clean.
 */
export function createLogger(level: LogLevel, options: { name?: string; pretty?: boolean } = {}): Logger {
  const base = { level, name: options.name ?? 'dbship', redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  const wantPretty = options.pretty ?? Boolean(process.stderr.isTTY);
  if (wantPretty) {
    const pretty = loadPretty();
    if (pretty) return pino(base, pretty({ destination: 2, colorize: true, ignore: 'pid,hostname,name', sync: true }));
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

type PrettyFactory = (opts: Record<string, unknown>) => NodeJS.WritableStream;

function loadPretty(): PrettyFactory | undefined {
  try {
    const require = createRequire(import.meta.url);
    return require('pino-pretty') as PrettyFactory;
  } catch {
    return undefined;
  }
}
