import { skipBlockComment } from './split.js';

/** A `--` comment: where it starts (string offset) and its text without the dashes. */
export interface LineComment {
  readonly offset: number;
  readonly body: string;
}

/**
 * The `--` comments of a file, found with a small scanner that skips string literals (standard
 * and `E'...'`), quoted identifiers, dollar-quoted bodies and block comments, so that `--` inside
 * a string is never taken for a comment. The PostgreSQL parser has already accepted the file, so
 * the scanner only has to follow the token boundaries, not validate them.
 */
export function lineComments(sql: string): LineComment[] {
  const found: LineComment[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl === -1 ? sql.length : nl;
      found.push({ offset: i, body: sql.slice(i + 2, end).replace(/\r$/, '') });
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === "'") {
      i = skipQuoted(sql, i, "'", isEscapeString(sql, i));
    } else if (c === '"') {
      i = skipQuoted(sql, i, '"', false);
    } else if (c === '$' && !isIdentChar(sql[i - 1])) {
      i = skipDollarQuoted(sql, i);
    } else {
      i++;
    }
  }
  return found;
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

/** `E'...'` (backslash escapes) when the quote follows a lone E. */
function isEscapeString(sql: string, quote: number): boolean {
  const prev = sql[quote - 1];
  return (prev === 'e' || prev === 'E') && !isIdentChar(sql[quote - 2]);
}

/** Index after a quoted token; the quote doubled is an escaped quote. */
function skipQuoted(sql: string, start: number, quote: string, backslash: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslash && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return sql.length;
}

/** Index after `$tag$ ... $tag$`; a `$` that opens no dollar quote (e.g. `$1`) is skipped alone. */
function skipDollarQuoted(sql: string, start: number): number {
  const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(start, start + 64));
  if (!m) return start + 1;
  const close = sql.indexOf(m[0], start + m[0].length);
  return close === -1 ? sql.length : close + m[0].length;
}
