import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { adminConnection } from '../helpers/db.js';
import { runCliProcess } from '../helpers/migrations.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('sslmode is honoured or refused, never downgraded', () => {
  it('regression: sslmode=prefer against a server without TLS fails (exit 3) instead of connecting in plaintext', async (t) => {
    const server = adminConnection();
    const probe = new pg.Client(clientConfig(server, 'dbship-tests'));
    await probe.connect();
    const ssl = (await probe.query<{ ssl: string }>('SHOW ssl')).rows[0]?.ssl;
    await probe.end();
    if (ssl === 'on') return t.skip('the test server offers TLS: nothing to refuse');
    const url = `postgres://${encodeURIComponent(server.user)}${server.password ? `:${encodeURIComponent(server.password)}` : ''}@${server.host}:${server.port}/${server.database}`;
    for (const mode of ['prefer', 'require', 'verify-ca', 'verify-full']) {
      const r = await runCliProcess(['status'], { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: `${url}?sslmode=${mode}`, MIGRATIONS_DIR: path.join(ROOT, 'migrations') });
      assert.equal(r.code, 3, `${mode}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`the server does not offer TLS, which sslmode=${mode} requires`));
    }
    const allow = await runCliProcess(['status'], { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: `${url}?sslmode=allow`, MIGRATIONS_DIR: path.join(ROOT, 'migrations') });
    assert.equal(allow.code, 0, allow.stderr);
  });
});
