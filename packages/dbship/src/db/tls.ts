import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { DbConnection } from '../config/db-connection.js';

/**
 * node-postgres' `ssl` option for a libpq sslmode. dbship makes libpq's FIRST attempt only and
 * never falls back: `allow` connects in plaintext (a server that insists on TLS refuses it: use
 * `require`), `prefer` requires TLS without verifying the certificate (a server without TLS
 * refuses it: use `disable`). A downgrade to plaintext therefore never happens behind your back.
 * `require` with a root certificate verifies the chain, as libpq does (= `verify-ca`).
 */
export function tlsOptions(db: DbConnection): false | ConnectionOptions {
  if (db.ssl === 'disable' || db.ssl === 'allow') return false;
  const files = tlsFiles(db);
  const verifyChain = db.ssl === 'verify-ca' || db.ssl === 'verify-full' || (db.ssl === 'require' && files.ca !== undefined);
  if (!verifyChain) return { ...files, rejectUnauthorized: false };
  if (db.ssl === 'verify-full') return { ...files, rejectUnauthorized: true };
  // verify-ca: the chain must lead to a trusted CA, the host name is not compared.
  return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
}

function tlsFiles(db: DbConnection): Pick<ConnectionOptions, 'ca' | 'cert' | 'key'> {
  const out: Pick<ConnectionOptions, 'ca' | 'cert' | 'key'> = {};
  if (db.sslRootCert && db.sslRootCert !== 'system') out.ca = readTlsFile(db.sslRootCert, 'sslrootcert');
  if (db.sslCert) out.cert = readTlsFile(db.sslCert, 'sslcert');
  if (db.sslKey) out.key = readTlsFile(db.sslKey, 'sslkey');
  return out;
}

function readTlsFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: err });
  }
}
