/**
 * docker-compose.yml (the local PostgreSQL) agrees with .env.sample and src/config.ts: a developer
 * who copies .env.sample to .env and runs `docker compose up -d` gets the database the
 * configuration points at, with or without a .env.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';

const root = path.resolve(import.meta.dirname, '../..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { image: string; environment: Record<string, string>; ports: string[]; healthcheck?: { test: string[] } }>;
};
const sample = parseEnv(readFileSync(path.join(root, '.env.sample'), 'utf8')) as Record<string, string>;

/** Compose variable interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$$` -> `$`. */
function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g, (all, name?: string, op?: string, fallback?: string) => {
    if (all === '$$') return '$';
    const v = env[name!];
    if (op === ':-') return v === undefined || v === '' ? fallback! : v;
    if (op === '-') return v === undefined ? fallback! : v;
    return v ?? '';
  });
}

describe('docker-compose.yml', () => {
  const services = Object.keys(compose.services);

  it('runs only PostgreSQL, with a healthcheck', () => {
    assert.deepEqual(services, ['postgres']);
    assert.match(compose.services.postgres!.image, /^postgres:\d+/);
    assert.match(compose.services.postgres!.healthcheck?.test.join(' ') ?? '', /pg_isready/);
  });

  const cases = [
    { what: 'with .env copied from .env.sample', env: sample },
    { what: 'with no .env at all (compose defaults)', env: {} as Record<string, string> },
  ];
  for (const c of cases) {
    it(`${c.what}: the database, user, password and port are the ones the config reaches`, () => {
      const pg = compose.services.postgres!;
      const env = Object.fromEntries(Object.entries(pg.environment).map(([k, v]) => [k, interpolate(String(v), c.env)]));
      const published = interpolate(pg.ports[0]!, c.env).split(':');
      const config = loadConfig({ env: sample, readDotEnv: false });
      assert.ok(config.db);
      assert.equal(env.POSTGRES_DB, config.db.database);
      assert.equal(env.POSTGRES_USER, config.db.user);
      assert.equal(env.POSTGRES_PASSWORD, config.db.password);
      assert.equal(published[0], '127.0.0.1', 'published on loopback only');
      assert.equal(Number(published[1]), config.db.port);
      assert.equal(published[2], '5432');
      assert.ok(['localhost', '127.0.0.1'].includes(config.db.host));
    });
  }

  it('interpolation follows compose: a set variable wins, `$$` is a literal dollar', () => {
    const table: [string, Record<string, string>, string][] = [
      ['${DB_NAME:-dbship}', { DB_NAME: 'other' }, 'other'],
      ['${DB_NAME:-dbship}', { DB_NAME: '' }, 'dbship'],
      ['${DB_NAME-dbship}', { DB_NAME: '' }, ''],
      ['$${POSTGRES_USER}', {}, '${POSTGRES_USER}'],
    ];
    for (const [text, env, expected] of table) assert.equal(interpolate(text, env), expected, text);
  });
});
