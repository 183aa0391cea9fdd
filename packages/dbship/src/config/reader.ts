import type { Env } from './layers.js';

/**
 * Reads typed values from merged variables, collecting every problem instead of stopping at the
 * first, so that one error can list them all. Values of password variables are never echoed.
 */
export class Reader {
  constructor(private readonly env: Env, readonly problems: string[] = []) {}

  str(key: string): string | undefined {
    const v = this.env[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  /** The value exactly as given (passwords may start or end with spaces); empty = unset. */
  raw(key: string): string | undefined {
    const v = this.env[key];
    return v === undefined || v === '' ? undefined : v;
  }

  int(key: string, fallback: number, min: number, max: number): number {
    const v = this.str(key);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || n < min || n > max) {
      this.problems.push(`${key} must be a whole number from ${min} to ${max} (got "${v}").`);
      return fallback;
    }
    return n;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.str(key)?.toLowerCase();
    if (v === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    this.problems.push(`${key} must be true or false (got "${v}").`);
    return fallback;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.str(key);
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problems.push(`${key} must be one of ${allowed.join(', ')} (got "${v}").`);
    return fallback;
  }

  duration(key: string, fallbackMs: number, minMs: number): number {
    const v = this.str(key);
    if (v === undefined) return fallbackMs;
    const ms = parseDuration(v);
    if (ms === undefined || ms < minMs) {
      this.problems.push(`${key} must be a duration such as 500ms, 5s, 2m or 1h (got "${v}").`);
      return fallbackMs;
    }
    return ms;
  }
}

/** Parses `500ms`, `5s`, `2m`, `1h`, or a bare number of milliseconds (as PostgreSQL does). */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 }[m[2] ?? 'ms'] ?? 1;
  return Math.round(Number(m[1]) * factor);
}
