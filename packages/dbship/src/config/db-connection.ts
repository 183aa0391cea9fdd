/** libpq's sslmode values, weakest first. See docs/configuration.md for what each means here. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Where and how to reach one PostgreSQL database. The password never appears in `describeDb`. */
export interface DbConnection {
  /** Host name, IP address, or a Unix socket directory (starts with `/`). */
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string | undefined;
  readonly ssl: SslMode;
  /** PEM file with the CA certificates to trust (`sslrootcert`); `system` or absent: Node's CA store. */
  readonly sslRootCert?: string;
  /** Client certificate and key files (`sslcert`, `sslkey`). */
  readonly sslCert?: string;
  readonly sslKey?: string;
}

/** `postgres://user@host:port/db`: a connection described without its password. */
export function describeDb(db: DbConnection): string {
  const user = encodeURIComponent(db.user);
  if (db.host.startsWith('/')) return `postgres://${user}@/${encodeURIComponent(db.database)}?host=${db.host}&port=${db.port}`;
  const host = db.host.includes(':') ? `[${db.host}]` : db.host;
  return `postgres://${user}@${host}:${db.port}/${encodeURIComponent(db.database)}`;
}
