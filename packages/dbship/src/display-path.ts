import path from 'node:path';

/**
 * How a path is shown to people, the one rule of the package: relative to `cwd` when it lies
 * below it (`migrations/0001_add_user_bio.sql`, which terminals and editors open), `.` for `cwd`
 * itself, else absolute. The caller says which directory it runs in; nothing here reads
 * `process.cwd()`. Without one (`undefined`: a library call that gave none), the path as given.
 */
export function displayPath(file: string, cwd: string | undefined): string {
  if (cwd === undefined) return file;
  const rel = path.relative(cwd, file);
  if (rel === '') return '.';
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel) ? file : rel;
}
