import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, runCliProcess, writeMigrations } from '../helpers/migrations.js';

describe('the CLI on real-world migrations folders', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('folder_cli')));
  after(async () => db.drop());

  it('regression: a .sql file left over from an abandoned branch no longer stops upgrade; --strict and MIGRATE_STRICT refuse it (exit 5)', async () => {
    const dir = writeMigrations([{ name: 'init', sql: 'CREATE TABLE things (id int);' }]);
    writeFileSync(path.join(dir, '0001_abandoned.sql'), 'DROP TABLE things;');
    const strict = await runCliProcess(['upgrade', '--strict'], cliEnv(db.url, dir));
    assert.equal(strict.code, 5, strict.stderr);
    assert.match(strict.stderr, /0001_abandoned\.sql is not listed in meta\/_journal\.json/);
    const fromEnv = await runCliProcess(['upgrade'], cliEnv(db.url, dir, { MIGRATE_STRICT: 'true' }));
    assert.equal(fromEnv.code, 5, fromEnv.stderr);
    assert.equal((await db.query("SELECT to_regclass('public.things') AS t")).rows[0]!.t, null, 'nothing was applied');

    const lenient = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(lenient.code, 0, lenient.stderr);
    assert.match(lenient.stderr, /warning: 0001_abandoned\.sql is not listed in meta\/_journal\.json: ignored, as drizzle-orm's migrator ignores it/);
    assert.match(lenient.stdout, /Upgraded: 1 migration/);
    assert.equal((await db.query("SELECT to_regclass('public.things') AS t")).rows[0]!.t, 'things', 'the stray file was not run');
    const status = await runCliProcess(['status'], cliEnv(db.url, dir));
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stderr, /warning: 0001_abandoned\.sql is not listed/);
  });

  it('drift and init refuse a snapshot of an unknown format version with exit 5, and change nothing', async () => {
    const dir = writeMigrations([{ name: 'init', sql: 'SELECT 1;' }]);
    const snapshot = path.join(dir, 'meta', '0000_snapshot.json');
    writeFileSync(snapshot, JSON.stringify({ id: 'a', prevId: '00000000-0000-0000-0000-000000000000', version: '8', dialect: 'postgresql', tables: {} }));
    const before = readdirSync(dir);
    for (const verb of ['drift', 'init']) {
      const r = await runCliProcess([verb], cliEnv(db.url, dir));
      assert.equal(r.code, 5, `${verb}: ${r.stderr}`);
      assert.match(r.stderr, /0000_snapshot\.json has snapshot format version "8"; dbship reads drizzle-kit's PostgreSQL formats 5, 6, 7/);
    }
    assert.deepEqual(readdirSync(dir), before);
    assert.match(readFileSync(snapshot, 'utf8'), /"version":"8"/);
  });

  it('init with a folder that does not exist is a configuration error (exit 2)', async () => {
    const r = await runCliProcess(['init', '--dir', 'no/such/drizzle'], cliEnv(db.url, 'migrations'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /error\[CONFIG_INVALID\]: the migrations folder .*no\/such\/drizzle does not exist/);
  });
});
