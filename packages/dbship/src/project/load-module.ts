import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { displayPath } from '../display-path.js';
import { DbshipError } from '../errors.js';
import { importPeer, type PeerUse } from '../peers.js';
import { userCodeLocation } from './user-error.js';

/** The part of tsx's API used here, declared so that tsx is loaded only when a .ts file is. */
interface TsxEsmApi {
  tsImport(specifier: string, parentURL: string): Promise<Record<string, unknown>>;
}
interface TsxCjsApi {
  require(specifier: string, parentURL: string): unknown;
}

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

/**
 * Loads one of the project's own modules (drizzle.config.ts, dbship.config.ts, the models) and
 * returns its namespace object (`default` plus the named exports). TypeScript is compiled on the
 * fly with tsx, loaded lazily so that a project without .ts files never pays for it; this works
 * from the built CLI on every supported Node version. JSON files are parsed.
 *
 * Anything that goes wrong while reading or evaluating the file is the user's to fix, not a bug in
 * dbship: it is thrown as `PROJECT_MODULE_FAILED` (exit 2) naming the file and line at fault.
 * A relative `file` resolves against `cwd`, and messages show paths from there (without a
 * `cwd`, `file` must be absolute, and is shown so).
 */
export async function importProjectModule(file: string, cwd: string | undefined): Promise<Record<string, unknown>> {
  const absolute = cwd === undefined ? file : path.resolve(cwd, file);
  if (!existsSync(absolute)) {
    throw new DbshipError('PROJECT_MODULE_FAILED', `cannot load ${displayPath(absolute, cwd)}: the file does not exist`, {
      fix: 'correct the path (in drizzle.config.* `schema`, or the option you passed), or create the file.',
    });
  }
  try {
    return await load(absolute, cwd);
  } catch (err) {
    if (err instanceof DbshipError) throw err;
    throw moduleFailed(absolute, err, cwd);
  }
}

async function load(file: string, cwd: string | undefined): Promise<Record<string, unknown>> {
  const ext = path.extname(file);
  if (ext === '.json') return { default: JSON.parse(readFileSync(file, 'utf8')) as unknown };
  if (!TS_EXTENSIONS.has(ext)) return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  // Stack traces of the compiled code then point at the user's .ts lines.
  process.setSourceMapsEnabled(true);
  const parent = pathToFileURL(file).href;
  // tsx is an optional peer (production images have none): its absence is a set-up error that
  // names it, not an error in the user's file.
  const use: PeerUse = { code: 'PROJECT_MODULE_FAILED', needs: `loading ${displayPath(file, cwd)}`, otherwise: 'or write the file as JavaScript (.js / .mjs)' };
  if (isEsm(file)) {
    const api = await importPeer<TsxEsmApi>('tsx', 'tsx/esm/api', use);
    return await api.tsImport(parent, parent);
  }
  const api = await importPeer<TsxCjsApi>('tsx', 'tsx/cjs/api', use);
  return namespaceOf(api.require(file, parent));
}

/** Node's rule: `.mts` is ESM, `.cts` CommonJS, `.ts` follows the nearest package.json `type`. */
function isEsm(file: string): boolean {
  if (file.endsWith('.mts')) return true;
  if (file.endsWith('.cts')) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: string }).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

/** What `import()` of a CommonJS module gives: its exports, with `default` = `module.exports`. */
function namespaceOf(exports: unknown): Record<string, unknown> {
  if (exports === null || typeof exports !== 'object') return { default: exports };
  const record = exports as Record<string, unknown>;
  return record.__esModule ? record : { ...record, default: record };
}

function moduleFailed(file: string, err: unknown, cwd: string | undefined): DbshipError {
  const location = userCodeLocation(err, file);
  const reason = firstLine(err);
  const missing = /Cannot find (?:module|package) '([^']+)'/.exec(reason)?.[1];
  return new DbshipError('PROJECT_MODULE_FAILED', `cannot load ${displayPath(file, cwd)}: ${reason}`, {
    cause: err,
    details: location ? [`at ${displayPath(location, cwd)}`] : [],
    why: missing
      ? `the file imports "${missing}", which is not installed in this project.`
      : 'the error was raised while compiling or running this project file, not by dbship.',
    fix: missing ? `install it (npm i -D ${packageName(missing)}) or remove the import, then run again.` : 'correct the file at the place shown, then run again.',
  });
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // esbuild prefixes "Transform failed with 1 error:" and puts the real message on the next line.
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  const real = lines.find((l) => !/^Transform failed with/.test(l)) ?? lines[0] ?? 'unknown error';
  return real.replace(/^.*?:\d+:\d+: ERROR: /, '');
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

