import { parse } from 'pg-connection-string';
import { SSL_MODES, type DbConnection, type SslMode } from './db-connection.js';

/** Query parameters dbship reads (libpq's names). */
const READ_PARAMS = ['host', 'port', 'dbname', 'user', 'password', 'sslmode', 'ssl', 'sslrootcert', 'sslcert', 'sslkey'];
/**
 * Other libpq connection keywords: accepted so that a URL written for psql or libpq works as it is,
 * and not used (dbship sets its own application_name and session settings, and its own timeouts).
 * Anything that is not a libpq keyword is refused, as libpq refuses it, so a typo such as
 * `sslmod=require` can never turn TLS off silently.
 */
const IGNORED_LIBPQ_PARAMS = [
  'application_name', 'fallback_application_name', 'connect_timeout', 'client_encoding', 'options',
  'keepalives', 'keepalives_idle', 'keepalives_interval', 'keepalives_count', 'tcp_user_timeout',
  'target_session_attrs', 'load_balance_hosts', 'hostaddr', 'channel_binding', 'gssencmode',
  'sslcompression', 'sslcrl', 'sslcrldir', 'sslsni', 'sslpassword', 'ssl_min_protocol_version',
  'ssl_max_protocol_version', 'requirepeer', 'krbsrvname', 'gsslib', 'gssdelegation', 'service',
  'passfile', 'replication', 'require_auth', 'sslcertmode', 'sslnegotiation',
];
const KNOWN_PARAMS = new Set([...READ_PARAMS, ...IGNORED_LIBPQ_PARAMS]);
/** Read here, never handed to pg-connection-string (it would read files and print warnings). */
const TLS_PARAMS = ['sslmode', 'ssl', 'sslrootcert', 'sslcert', 'sslkey'] as const;
const ENCODE_HINT = 'percent-encode special characters in the user and password (@ as %40, / as %2F, : as %3A, ? as %3F, # as %23, % as %25)';

/**
 * Parses a `postgres://` / `postgresql://` URL the way libpq reads it, with node-postgres' own
 * parser (pg-connection-string): `host` / `port` query parameters win over the authority, a host
 * that is a directory (`?host=/var/run/postgresql`, or `%2F...` in the authority) is a Unix socket
 * directory, and every libpq sslmode is accepted. Throws an `Error` whose message names the
 * variable and the problem, and never contains the URL's user or password.
 */
export function parseDatabaseUrl(url: string, variable = 'DATABASE_URL'): DbConnection {
  const fail = (what: string): never => {
    throw new Error(`${variable} ${what}`);
  };
  if (!/^postgres(ql)?:\/\//i.test(url)) fail('must start with postgres:// or postgresql://.');
  const queryAt = url.indexOf('?');
  const beforeQuery = queryAt === -1 ? url : url.slice(0, queryAt);
  const params = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1));
  checkAmbiguousUserinfo(beforeQuery, fail);
  const unknown = [...new Set(params.keys())].filter((k) => !KNOWN_PARAMS.has(k));
  // A key that is no parameter name at all is the tail of a password cut at an unencoded '?'.
  if (unknown.some((k) => !/^[a-z_]+$/i.test(k))) fail(`looks like its user or password contains an unencoded "?": ${ENCODE_HINT}.`);
  if (unknown.length > 0) fail(`has unsupported query parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (dbship reads ${READ_PARAMS.join(', ')}, and accepts libpq's other connection keywords without using them).`);
  const plain = new URLSearchParams([...params].filter(([k]) => READ_PARAMS.includes(k) && !(TLS_PARAMS as readonly string[]).includes(k)));
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(`${beforeQuery}${plain.size > 0 ? `?${plain}` : ''}`, { useLibpqCompat: true });
  } catch {
    return fail(`is not a valid URL (expected postgres://user:password@host:port/database): ${ENCODE_HINT}.`);
  }
  const host = String(parsed.host ?? '');
  if (!host) fail('has no host: name one after "//", or a socket directory with ?host=/var/run/postgresql.');
  if (host.includes(',')) fail('names several hosts: dbship connects to one server (use the primary\'s address).');
  const database = params.get('dbname') ?? String(parsed.database ?? '');
  if (!database) fail('has no database name (the path after the host).');
  return {
    host,
    port: parsePort(String(parsed.port ?? ''), fail),
    database,
    user: String(parsed.user ?? '') || 'postgres',
    password: parsed.password ? String(parsed.password) : undefined,
    ssl: sslModeOf(params, fail),
    ...tlsFiles(params),
  };
}

/**
 * libpq ends the user and password at the first `@` or `/`, the WHATWG parser at the last `@`
 * before the first `/`: an unencoded `/` or `#` in a password splits it into host and path, and
 * the password would then be shown as a host name. Refuse before anything is parsed or printed.
 */
function checkAmbiguousUserinfo(beforeQuery: string, fail: (what: string) => never): void {
  const rest = beforeQuery.replace(/^[a-z]+:\/\//i, '');
  const slash = rest.indexOf('/');
  const path = slash === -1 ? '' : rest.slice(slash);
  if (path.includes('@') || rest.includes('#')) {
    fail(`looks like its user or password contains an unencoded "/", "@" or "#": ${ENCODE_HINT}.`);
  }
}

function parsePort(text: string, fail: (what: string) => never): number {
  if (text === '') return 5432;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) fail('has an invalid port (a whole number from 1 to 65535).');
  return n;
}

/**
 * libpq's sslmode values, lower-case only as libpq requires (it rejects `REQUIRE`; so do we, rather
 * than guess). `ssl=true` (node-postgres' and JDBC's form) means `verify-full`, `ssl=false` means
 * `disable`; an explicit sslmode wins over it. No parameter: `disable`, dbship's documented default.
 */
function sslModeOf(params: URLSearchParams, fail: (what: string) => never): SslMode {
  const mode = params.get('sslmode');
  if (mode !== null) {
    if ((SSL_MODES as readonly string[]).includes(mode)) return mode as SslMode;
    const lower = mode.toLowerCase();
    const hint = (SSL_MODES as readonly string[]).includes(lower) ? ` (values are lower-case, as libpq requires: sslmode=${lower})` : '';
    fail(`has an invalid sslmode "${mode}"${hint}: use one of ${SSL_MODES.join(', ')}.`);
  }
  const ssl = params.get('ssl');
  if (ssl === null) return 'disable';
  if (['true', '1'].includes(ssl)) return 'verify-full';
  if (['false', '0'].includes(ssl)) return 'disable';
  return fail(`has an invalid ssl value "${ssl}": use true or false, or sslmode=...`);
}

function tlsFiles(params: URLSearchParams): Pick<DbConnection, 'sslRootCert' | 'sslCert' | 'sslKey'> {
  const out: { sslRootCert?: string; sslCert?: string; sslKey?: string } = {};
  if (params.get('sslrootcert')) out.sslRootCert = params.get('sslrootcert')!;
  if (params.get('sslcert')) out.sslCert = params.get('sslcert')!;
  if (params.get('sslkey')) out.sslKey = params.get('sslkey')!;
  return out;
}
