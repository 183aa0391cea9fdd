import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { displayPath } from '../../display-path.js';
import { DbshipError } from '../../errors.js';

/** A place in the user's source: file, 1-based line and column. */
interface SourcePlace {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * An error thrown while the models were imported or evaluated (drizzle-kit calls the tables'
 * index / constraint callbacks lazily) is the user's, not dbship's: it becomes MODELS_INVALID
 * with the file and line of the user's code it came from and that line with a caret.
 */
export function modelsError(err: unknown, schemaPath: string, cwd: string | undefined): DbshipError {
  if (err instanceof DbshipError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const place = userFrame(err, schemaPath);
  const shown = (p: string) => displayPath(p, cwd);
  const details = place ? [`at ${shown(place.file)}:${place.line}:${place.column}`, ...excerpt(place)] : [`in ${shown(schemaPath)}`];
  return new DbshipError('MODELS_INVALID', `the models do not load: ${message}`, {
    cause: err,
    details,
    why: place
      ? 'the error comes from the models code at the line above (a misspelt column or helper such as t.bioo, an import that is missing, a syntax error).'
      : 'importing or evaluating the models module failed before dbship could compare them.',
    fix: `correct the models${place ? ` at ${shown(place.file)}:${place.line}` : ''} (\`npx tsc --noEmit\` names every type error), then run the command again.`,
  });
}

/** The first stack frame (or position in the message) in the user's code rather than a package. */
function userFrame(err: unknown, schemaPath: string): SourcePlace | undefined {
  const text = `${err instanceof Error ? err.stack ?? '' : ''}\n${err instanceof Error ? err.message : ''}`;
  const frames = [...text.matchAll(/(file:\/\/[^\s():]+|\/[^\s():]+):(\d+):(\d+)/g)].map((m) => ({
    file: m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!,
    line: Number(m[2]),
    column: Number(m[3]),
  }));
  const own = path.resolve(schemaPath);
  return frames.find((f) => f.file === own) ?? frames.find((f) => !f.file.includes(`${path.sep}node_modules${path.sep}`) && !f.file.startsWith('node:') && existsSync(f.file) && isUserCode(f.file));
}

/** Code outside dbship's own sources (which live next to this file, in src/ or dist/). */
function isUserCode(file: string): boolean {
  const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  return !file.startsWith(packageRoot + path.sep);
}

/** `| <source line>` and `| ^` under the column. */
function excerpt(place: SourcePlace): string[] {
  try {
    const text = readFileSync(place.file, 'utf8').split('\n')[place.line - 1];
    if (text === undefined) return [];
    return [`| ${text}`, `| ${' '.repeat(Math.max(0, place.column - 1))}^`];
  } catch {
    return [];
  }
}
