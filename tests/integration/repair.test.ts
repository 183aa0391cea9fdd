import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadMigrations } from '../../packages/dbship/src/migrator/folder/files.js';
import { repair } from '../../packages/dbship/src/migrator/repair.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { expectError } from '../helpers/errors.js';
import { cliEnv, runCliProcess, tempDir, writeMigrations } from '../helpers/migrations.js';

const specs = [
  { name: 'a', sql: 'CREATE TABLE a (id int);\n' },
  { name: 'b', sql: 'CREATE TABLE b (id int);\n' },
  { name: 'c', sql: 'CREATE TABLE c (id int);\n' },
];


async function recorded(db: TestDatabase): Promise<Record<string, string>> {
  const { rows } = await db.query('SELECT name, checksum FROM dbship.migrations ORDER BY seq');
  return Object.fromEntries(rows.map((r) => [r.name, r.checksum]));
}

describe('repair', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('repair')));
  after(async () => db.drop());

  it('changed file: upgrade exits 5, repair --reason accepts it with an audit row, upgrade then succeeds', async () => {
    const dir = writeMigrations(specs.slice(0, 2));
    await upgrade(testConfig(db, dir));
    const before = loadMigrations(dir)[1]!.checksum;
    writeFileSync(path.join(dir, '0001_b.sql'), '-- the b table\nCREATE TABLE b (id int);\n');
    const after = loadMigrations(dir)[1]!.checksum;

    const refused = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /error\[CHECKSUM_MISMATCH\]/);

    const fixed = await runCliProcess(['repair', '--reason', 'comment-only edit, reviewed in PR 7'], cliEnv(db.url, dir, { DBSHIP_IMAGE: 'app:2.0' }));
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, new RegExp(`^Repaired 0001_b: checksum ${before.slice(0, 12)} -> ${after.slice(0, 12)}$`, 'm'));
    assert.equal((await recorded(db))['0001_b'], after);

    const { rows } = await db.query("SELECT name, checksum, previous_checksum, by_host, image, reason FROM dbship.history WHERE action = 'repair'");
    assert.deepEqual(rows, [{ name: '0001_b', checksum: after, previous_checksum: before, by_host: 'test-runner', image: 'app:2.0', reason: 'comment-only edit, reviewed in PR 7' }]);

    const ok = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /No upgrade items found/);

    const nothing = await runCliProcess(['repair', '--reason', 'again'], cliEnv(db.url, dir));
    assert.equal(nothing.code, 0, nothing.stderr);
    assert.match(nothing.stdout, /^Nothing to repair: no applied migration file has changed$/m);
    assert.equal((await db.query("SELECT count(*)::int AS n FROM dbship.history WHERE action = 'repair'")).rows[0]!.n, 1);
  });

  it('a missing or blank reason is a usage error (exit 2) and changes nothing', async () => {
    const fresh = await createTestDatabase('repair_reason');
    try {
      const dir = writeMigrations(specs.slice(0, 1));
      await upgrade(testConfig(fresh, dir));
      const stored = await recorded(fresh);
      writeFileSync(path.join(dir, '0000_a.sql'), 'CREATE TABLE a (id int); -- edited\n');
      for (const args of [['repair'], ['repair', '--reason', '   ']]) {
        const cli = await runCliProcess(args, cliEnv(fresh.url, dir));
        assert.equal(cli.code, 2, `${args.join(' ')}: ${cli.stderr}`);
        assert.match(cli.stderr, /error\[USAGE\]: repair needs a reason/);
      }
      await expectError(repair(testConfig(fresh, dir), { reason: '' }), 'USAGE');
      assert.deepEqual(await recorded(fresh), stored);
      assert.equal((await fresh.query("SELECT count(*)::int AS n FROM dbship.history WHERE action = 'repair'")).rows[0]!.n, 0);
    } finally {
      await fresh.drop();
    }
  });

  it('--name repairs only that migration; the other changed file still refuses upgrade', async () => {
    const fresh = await createTestDatabase('repair_name');
    try {
      const dir = writeMigrations(specs);
      const config = testConfig(fresh, dir);
      await upgrade(config, { to: '0001_b' });
      writeFileSync(path.join(dir, '0000_a.sql'), 'CREATE TABLE a (id int); -- a\n');
      writeFileSync(path.join(dir, '0001_b.sql'), 'CREATE TABLE b (id int); -- b\n');
      const result = await repair(config, { reason: 'trailing comments', name: 'a' });
      assert.deepEqual(result.repaired.map((r) => r.name), ['0000_a']);
      const err = await expectError(upgrade(config), 'CHECKSUM_MISMATCH');
      assert.match(err.message, /"0001_b"/);
      assert.doesNotMatch(err.message, /0000_a/);
      assert.deepEqual((await repair(config, { reason: 'x', name: '0000_a' })).repaired, []);
      const pending = await expectError(repair(config, { reason: 'x', name: '0002_c' }), 'USAGE');
      assert.match(pending.message, /0002_c is not applied/);
      await expectError(repair(config, { reason: 'x', name: 'nope' }), 'UNKNOWN_MIGRATION');
      await repair(config, { reason: 'trailing comments' });
      assert.deepEqual((await upgrade(config)).applied.map((a) => a.name), ['0002_c']);
    } finally {
      await fresh.drop();
    }
  });

  it('cannot accept a deleted file: says so and leaves the record', async () => {
    const fresh = await createTestDatabase('repair_missing');
    try {
      const dir = writeMigrations(specs.slice(0, 2));
      await upgrade(testConfig(fresh, dir));
      // The next build lost 0000_a but keeps 0001_b.
      const build = tempDir();
      mkdirSync(path.join(build, 'meta'));
      writeFileSync(path.join(build, '0001_b.sql'), specs[1]!.sql);
      const entries = [{ idx: 0, version: '7', when: 1_700_000_000_001, tag: '0001_b', breakpoints: true }];
      writeFileSync(path.join(build, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }));
      const err = await expectError(repair(testConfig(fresh, build), { reason: 'x', name: '0000_a' }), 'USAGE');
      assert.match(err.message, /0000_a has no file in this build/);
      const all = await repair(testConfig(fresh, build), { reason: 'x' });
      assert.deepEqual(all, { repaired: [], missing: ['0000_a'] });
    } finally {
      await fresh.drop();
    }
  });
});
