import { existsSync } from 'node:fs';
import { SSL_MODES, type DbConnection } from './db-connection.js';
import { parseDatabaseUrl } from './db-url.js';
import type { Reader } from './reader.js';

const PARTS = ['DB_HOST', 'DB_NAME', 'DB_USER'] as const;

/**
 * The application's database: `DATABASE_URL`, or the `DB_*` parts (the Python original's names).
 * `null` when neither is set (local runs then use the embedded server). `DB_SSLMODE` and
 * `DB_SSLROOTCERT` apply to the parts, and to a URL that names no sslmode of its own.
 */
export function readAppDb(r: Reader): DbConnection | null {
  const url = r.str('DATABASE_URL');
  const anyPart = [...PARTS, 'DB_PORT', 'DB_PASS'].some((k) => r.str(k) !== undefined);
  const sslmode = r.oneOf('DB_SSLMODE', SSL_MODES, 'disable');
  const rootCert = r.str('DB_SSLROOTCERT');
  if (rootCert !== undefined && rootCert !== 'system' && !existsSync(rootCert)) r.problems.push(`DB_SSLROOTCERT names a file that does not exist: ${rootCert}.`);
  if (url !== undefined) {
    if (anyPart) r.problems.push('both DATABASE_URL and DB_* variables are set in the same place: use one or the other.');
    const db = parseUrl(r, url, 'DATABASE_URL');
    if (!db) return null;
    const urlHasTls = /[?&](sslmode|ssl)=/.test(url);
    if (urlHasTls && r.str('DB_SSLMODE') !== undefined && r.str('DB_SSLMODE') !== db.ssl) {
      r.problems.push(`DB_SSLMODE (${r.str('DB_SSLMODE')}) contradicts the sslmode of DATABASE_URL (${db.ssl}): keep one.`);
    }
    return urlHasTls ? db : { ...db, ssl: sslmode, ...(rootCert ? { sslRootCert: rootCert } : {}) };
  }
  if (!anyPart) return null;
  const missing = PARTS.filter((k) => r.str(k) === undefined);
  if (missing.length > 0) r.problems.push(`${missing.join(', ')} must be set when any DB_* variable is set.`);
  return {
    host: r.str('DB_HOST') ?? '',
    port: r.int('DB_PORT', 5432, 1, 65535),
    database: r.str('DB_NAME') ?? '',
    user: r.str('DB_USER') ?? '',
    password: r.raw('DB_PASS'),
    ssl: sslmode,
    ...(rootCert ? { sslRootCert: rootCert } : {}),
  };
}

/**
 * The database as the migration runner reaches it: `MIGRATE_DATABASE_URL` (a direct URL, e.g.
 * past a connection pooler), else the application's database with `MIGRATE_DB_USER` /
 * `MIGRATE_DB_PASS` when they are set, else the application's database as it is.
 */
export function readMigrationDb(r: Reader, appDb: DbConnection | null): DbConnection | null {
  const url = r.str('MIGRATE_DATABASE_URL');
  const user = r.str('MIGRATE_DB_USER');
  const pass = r.raw('MIGRATE_DB_PASS');
  if (url !== undefined) {
    if (user !== undefined || pass !== undefined) r.problems.push('both MIGRATE_DATABASE_URL and MIGRATE_DB_USER / MIGRATE_DB_PASS are set in the same place: put the user and password in the URL.');
    return parseUrl(r, url, 'MIGRATE_DATABASE_URL');
  }
  if (pass !== undefined && user === undefined) r.problems.push('MIGRATE_DB_PASS is set without MIGRATE_DB_USER: set both, or neither.');
  return appDb && user !== undefined ? { ...appDb, user, password: pass } : appDb;
}

function parseUrl(r: Reader, url: string, variable: string): DbConnection | null {
  try {
    const db = parseDatabaseUrl(url, variable);
    if (db.sslRootCert && db.sslRootCert !== 'system' && !existsSync(db.sslRootCert)) r.problems.push(`${variable} names an sslrootcert file that does not exist: ${db.sslRootCert}.`);
    return db;
  } catch (err) {
    r.problems.push((err as Error).message);
    return null;
  }
}
