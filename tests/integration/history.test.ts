import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downgrade } from '../../packages/dbship/src/migrator/downgrade.js';
import { loadMigrations } from '../../packages/dbship/src/migrator/folder/files.js';
import { history } from '../../packages/dbship/src/migrator/status.js';
import { repair } from '../../packages/dbship/src/migrator/repair.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, runCliProcess, writeMigrations } from '../helpers/migrations.js';

describe('history', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('history')));
  after(async () => db.drop());

  it('says so on a database dbship never touched, exits 0, and creates nothing', async () => {
    const dir = writeMigrations([{ name: 'a', sql: 'CREATE TABLE a (id int);\n' }]);
    assert.deepEqual(await history(testConfig(db, dir)), []);
    const cli = await runCliProcess(['history'], cliEnv(db.url, dir));
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^No history: no migration has been applied, reverted, baselined or repaired on this database$/m);
    assert.equal((await db.query("SELECT to_regnamespace('dbship') AS s")).rows[0]!.s, null);
  });

  it('lists apply, revert and repair with checksums, host / image, durations and the reason', async () => {
    const dir = writeMigrations([
      { name: 'a', sql: 'CREATE TABLE a (id int);\n', down: 'DROP TABLE a;\n' },
      { name: 'b', sql: 'CREATE TABLE b (id int);\n', down: 'DROP TABLE b;\n' },
    ]);
    const config = testConfig(db, dir, { DBSHIP_IMAGE: 'registry.example/app:1.4.2' });
    const [a, b] = loadMigrations(dir);
    await upgrade(config);
    await downgrade(config);
    writeFileSync(path.join(dir, '0000_a.sql'), '-- creates a\nCREATE TABLE a (id int);\n');
    const edited = loadMigrations(dir)[0]!;
    await repair(config, { reason: 'comment added, reviewed in PR 12' });

    const entries = await history(config);
    assert.deepEqual(entries.map((e) => [e.action, e.name]), [['apply', '0000_a'], ['apply', '0001_b'], ['revert', '0001_b'], ['repair', '0000_a']]);
    assert.deepEqual(entries.map((e) => e.checksum), [a!.checksum, b!.checksum, b!.checksum, edited.checksum]);
    const rep = entries[3]!;
    assert.equal(rep.previousChecksum, a!.checksum);
    assert.equal(rep.reason, 'comment added, reviewed in PR 12');
    for (const e of entries) {
      assert.equal(e.byHost, 'test-runner');
      assert.equal(e.image, 'registry.example/app:1.4.2');
      assert.ok(e.at instanceof Date);
      assert.equal(typeof e.lockWaitMs, 'number');
    }
    assert.equal(typeof entries[0]!.durationMs, 'number');
    assert.deepEqual((await history(config, { name: 'b' })).map((e) => e.action), ['apply', 'revert']);

    const cli = await runCliProcess(['history'], cliEnv(db.url, dir));
    assert.equal(cli.code, 0, cli.stderr);
    const lines = cli.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^AT\s+ACTION\s+NAME\s+CHECKSUM\s+BY\s+DURATION\s+LOCK WAIT\s+REASON$/);
    assert.equal(lines.length, 5);
    assert.match(lines[1]!, new RegExp(`apply\\s+0000_a\\s+${a!.checksum.slice(0, 12)}\\s+test-runner \\(registry.example/app:1.4.2\\)\\s+\\d+ ms\\s+\\d+ ms`));
    assert.match(lines[3]!, /revert\s+0001_b/);
    assert.match(lines[4]!, new RegExp(`repair\\s+0000_a\\s+${a!.checksum.slice(0, 12)} -> ${edited.checksum.slice(0, 12)}\\s.*comment added, reviewed in PR 12$`));

    const json = await runCliProcess(['history', '--json', '--name', '0000_a'], cliEnv(db.url, dir));
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { action: string; previousChecksum: string | null; at: string }[];
    assert.deepEqual(parsed.map((e) => e.action), ['apply', 'repair']);
    assert.equal(parsed[1]!.previousChecksum, a!.checksum);
    assert.ok(!Number.isNaN(Date.parse(parsed[0]!.at)));
  });
});
