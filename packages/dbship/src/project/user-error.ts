import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where in the user's code an error raised while loading a project file happened, as
 * `file:line:column`: esbuild's location for a syntax error, otherwise the first stack frame in
 * the project (outside node_modules and Node's internals), which source maps point at the .ts
 * line. Falls back to `file` alone when no frame is the project's.
 */
export function userCodeLocation(err: unknown, file: string): string | undefined {
  const loc = (err as { errors?: { location?: { file: string; line: number; column: number } | null }[] })?.errors?.[0]?.location;
  if (loc) return `${path.resolve(loc.file)}:${loc.line}:${loc.column + 1}`;
  const message = err instanceof Error ? err.message : '';
  const compile = /(\/[^\s:]+):(\d+):(\d+): ERROR/.exec(message);
  if (compile) return `${compile[1]}:${compile[2]}:${Number(compile[3]) + 1}`;
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  for (const match of stack.matchAll(/(?:\(|at )((?:file:\/\/)?\/[^\s():]+):(\d+):(\d+)\)?$/gm)) {
    const frame = match[1]!.startsWith('file://') ? fileURLToPath(match[1]!) : match[1]!;
    if (!frame.split(path.sep).includes('node_modules')) return `${frame}:${match[2]}:${match[3]}`;
  }
  const imported = /imported from (\/\S+)/.exec(message)?.[1];
  return imported ?? file;
}
