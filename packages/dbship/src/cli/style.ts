/**
 * Colour for people, never for machines: on when the stream is a terminal, off for a pipe, a
 * file, JSON output, `NO_COLOR` (any non-empty value, https://no-color.org) and `--no-color`.
 */
export interface Style {
  readonly enabled: boolean;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export interface StyleOptions {
  /** The stream is a terminal. */
  readonly tty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--no-color`, or machine output (`--json`). */
  readonly off?: boolean;
}

const paint = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

const COLOURED: Style = {
  enabled: true,
  red: paint(31, 39),
  yellow: paint(33, 39),
  green: paint(32, 39),
  dim: paint(2, 22),
  bold: paint(1, 22),
};

const same = (text: string) => text;

/** Plain text: every function returns its input. */
export const PLAIN: Style = { enabled: false, red: same, yellow: same, green: same, dim: same, bold: same };

/** The style for one stream. */
export function createStyle(options: StyleOptions): Style {
  if (!options.tty || options.off || (options.env.NO_COLOR ?? '') !== '' || options.env.TERM === 'dumb') return PLAIN;
  return COLOURED;
}

/** Colours the leading `error[...]` / `warning` / `problem[...]` word of a diagnostic line. */
export function styleDiagnostic(line: string, style: Style): string {
  if (!style.enabled) return line;
  return line
    .replace(/^(error(\[[A-Z_]+\])?:)/, (m) => style.red(style.bold(m)))
    .replace(/^((warning|problem)(\[[\w-]+\])?:)/, (m) => style.yellow(m))
    .replace(/^(\s+)(fix:|use:)/, (_m, sp: string, w: string) => `${sp}${style.green(w)}`);
}
