import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { decodeSqlFile } from '../sql/encoding.js';
import { displayPath } from '../../display-path.js';
import { DbshipError } from '../../errors.js';
import { isDownFile, upFileOf } from '../folder/layout.js';
import { lintSource } from './linter.js';
import { snapshotColumnTypes } from './snapshot.js';
import type { LintFinding } from './types.js';

/**
 * Lints files as they sit in a migrations folder: a down file is linted knowing what its up file
 * created (`NNNN_x.sql` next to it), and both know the column types of the committed snapshot
 * they start from. Findings come back per file, in the order of `paths`; a file that cannot be
 * read is named from `cwd` (absolute without one).
 */
export async function lintFiles(paths: readonly string[], options: { cwd?: string | undefined } = {}): Promise<LintFinding[]> {
  const findings: LintFinding[] = [];
  for (const file of paths) {
    const sql = readSql(file, options.cwd);
    const up = upFileOf(file);
    const reverts = up !== undefined && existsSync(up) ? readSql(up, options.cwd) : undefined;
    const columnTypes = snapshotColumnTypes(file);
    findings.push(...(await lintSource(sql, { file, ...(reverts === undefined ? {} : { reverts }), ...(columnTypes ? { columnTypes } : {}) })));
  }
  return findings;
}

/**
 * The SQL files (absolute paths) to lint for command-line arguments resolved against `cwd`: a
 * file as given, a folder as its `*.sql` files; each migration's up file before its down file.
 */
export function expandLintTargets(args: readonly string[], cwd = process.cwd()): string[] {
  const problems: string[] = [];
  const files: string[] = [];
  for (const given of args) {
    const arg = path.resolve(cwd, given);
    const stat = statSync(arg, { throwIfNoEntry: false });
    if (!stat) problems.push(`${given} does not exist`);
    else if (stat.isDirectory()) files.push(...migrationSqlFiles(arg));
    else files.push(arg);
  }
  if (problems.length > 0) {
    throw new DbshipError('USAGE', 'some paths given to lint do not exist', {
      details: problems,
      why: 'dbship lint reads the SQL files named on the command line (or every *.sql file of a folder).',
      fix: 'check the paths, or run `dbship lint` without arguments to lint the configured migrations folder.',
    });
  }
  return files;
}

/** The `*.sql` files of a migrations folder (not `meta/`), `NNNN_x.sql` before `NNNN_x.down.sql`. */
export function migrationSqlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const order = (f: string): string => `${upFileOf(f) ?? f}\u0000${isDownFile(f) ? 1 : 0}`;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql') && statSync(path.join(dir, f)).isFile())
    .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))
    .map((f) => path.join(dir, f));
}

/** The file's text, decoded as the engine decodes it (strict UTF-8, a leading BOM dropped). */
function readSql(file: string, cwd: string | undefined): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new DbshipError('USAGE', `cannot read ${displayPath(file, cwd)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      cause: err,
      why: 'dbship lint needs to read every file it checks.',
      fix: 'check that the path names a readable file.',
    });
  }
  return decodeSqlFile(bytes, file, cwd);
}
