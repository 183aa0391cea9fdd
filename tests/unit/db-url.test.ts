import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDatabaseUrl } from '../../packages/dbship/src/config/db-url.js';
import { tlsOptions } from '../../packages/dbship/src/db/tls.js';

const SECRET = 'S3cr3t';

function problem(url: string): string {
  try {
    parseDatabaseUrl(url);
  } catch (err) {
    return (err as Error).message;
  }
  return assert.fail(`expected ${url.replace(SECRET, '***')} to be refused`);
}

describe('DATABASE_URL read as libpq reads it', () => {
  it('every libpq sslmode, and ssl=true / ssl=false', () => {
    const cases: [string, string][] = [
      ['', 'disable'],
      ['?sslmode=disable', 'disable'],
      ['?sslmode=allow', 'allow'],
      ['?sslmode=prefer', 'prefer'],
      ['?sslmode=require', 'require'],
      ['?sslmode=verify-ca', 'verify-ca'],
      ['?sslmode=verify-full', 'verify-full'],
      ['?ssl=true', 'verify-full'],
      ['?ssl=1', 'verify-full'],
      ['?ssl=false', 'disable'],
      ['?ssl=true&sslmode=require', 'require'],
    ];
    for (const [query, mode] of cases) assert.equal(parseDatabaseUrl(`postgres://u:p@db:5432/app${query}`).ssl, mode, query);
  });

  it('regression: sslmode=verify-ca, prefer, ssl=true no longer connect in plaintext', () => {
    for (const query of ['?sslmode=verify-ca', '?sslmode=prefer', '?sslmode=require', '?ssl=true']) {
      assert.notEqual(tlsOptions(parseDatabaseUrl(`postgres://u:p@db/app${query}`)), false, query);
    }
    // verify-ca checks the chain but not the host name; verify-full checks both; require neither.
    const ca = tlsOptions(parseDatabaseUrl('postgres://u@db/app?sslmode=verify-ca'));
    assert.ok(ca && ca.rejectUnauthorized === true && typeof ca.checkServerIdentity === 'function');
    const full = tlsOptions(parseDatabaseUrl('postgres://u@db/app?sslmode=verify-full'));
    assert.ok(full && full.rejectUnauthorized === true && full.checkServerIdentity === undefined);
    const req = tlsOptions(parseDatabaseUrl('postgres://u@db/app?sslmode=require'));
    assert.ok(req && req.rejectUnauthorized === false);
    assert.equal(tlsOptions(parseDatabaseUrl('postgres://u@db/app?sslmode=allow')), false);
  });

  it('refuses an upper-case sslmode as libpq does, naming the lower-case form', () => {
    const message = problem(`postgres://u:${SECRET}@db/app?sslmode=REQUIRE`);
    assert.match(message, /invalid sslmode "REQUIRE" \(values are lower-case, as libpq requires: sslmode=require\)/);
    assert.match(problem('postgres://u@db/app?sslmode=strict'), /invalid sslmode "strict": use one of disable, allow, prefer, require, verify-ca, verify-full/);
    assert.doesNotMatch(message, new RegExp(SECRET));
  });

  it('host and port query parameters win, and a directory host is a Unix socket', () => {
    const socket = parseDatabaseUrl('postgres://u@/app?host=/var/run/postgresql&port=5999');
    assert.deepEqual([socket.host, socket.port, socket.database], ['/var/run/postgresql', 5999, 'app']);
    const encoded = parseDatabaseUrl('postgresql://u@%2Fvar%2Frun%2Fpostgresql:5433/app');
    assert.deepEqual([encoded.host, encoded.port], ['/var/run/postgresql', 5433]);
    const override = parseDatabaseUrl('postgres://u@localhost:5432/app?host=10.0.0.7&port=6432');
    assert.deepEqual([override.host, override.port], ['10.0.0.7', 6432]);
    assert.equal(parseDatabaseUrl('postgres://u@[::1]:5432/app').host, '::1');
  });

  it("an unencoded '@' in the password is read as WHATWG and libpq users mean it", () => {
    const db = parseDatabaseUrl('postgres://app:p@ss@db.internal:5432/shop');
    assert.deepEqual([db.user, db.password, db.host, db.database], ['app', 'p@ss', 'db.internal', 'shop']);
    assert.equal(parseDatabaseUrl('postgres://app:p%40ss%2Fx@db/shop').password, 'p@ss/x');
  });

  it("regression: an unencoded '/' or '#' in the password is refused, never echoed, never looked up as a host", () => {
    for (const url of [`postgres://app:${SECRET}/x@db:5432/shop`, `postgres://app:a/${SECRET}@db/shop`, `postgres://app:${SECRET}#1@db/shop`, `postgres://app:${SECRET}?x@db/shop`]) {
      const message = problem(url);
      assert.match(message, /^DATABASE_URL /);
      assert.match(message, /percent-encode/);
      assert.doesNotMatch(message, new RegExp(SECRET));
      assert.doesNotMatch(message, /app:/);
    }
  });

  it('refuses what libpq would not connect with, without the userinfo', () => {
    assert.match(problem(`mysql://root:${SECRET}@h/db`), /must start with postgres:\/\//);
    assert.match(problem(`postgres://u:${SECRET}@h`), /has no database name/);
    assert.match(problem(`postgres://u:${SECRET}@/app`), /has no host/);
    assert.match(problem(`postgres://u:${SECRET}@h1,h2/app`), /names several hosts/);
    assert.match(problem(`postgres://u:${SECRET}@h/app?sslmod=require`), /unsupported query parameter sslmod/);
    assert.match(problem(`postgres://u:${SECRET}@h/app?port=99999`), /invalid port/);
    assert.match(problem(`postgres://u:${SECRET}@h:99999/app`), /is not a valid URL/);
  });

  it('regression: a URL written for psql (application_name, connect_timeout, options) was refused; those libpq keywords are accepted and not used', () => {
    const db = parseDatabaseUrl(`postgres://u:${SECRET}@h:5433/app?application_name=api&connect_timeout=10&target_session_attrs=read-write&sslmode=require`);
    assert.equal(db.host, 'h');
    assert.equal(db.port, 5433);
    assert.equal(db.database, 'app');
    assert.equal(db.ssl, 'require');
  });

  it('names the variable it read (MIGRATE_DATABASE_URL)', () => {
    assert.throws(() => parseDatabaseUrl('postgres://h', 'MIGRATE_DATABASE_URL'), /^Error: MIGRATE_DATABASE_URL has no database name/);
  });
});
