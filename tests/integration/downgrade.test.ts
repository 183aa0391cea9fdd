import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downgrade } from '../../packages/dbship/src/migrator/downgrade.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { expectError } from '../helpers/errors.js';
import { cliEnv, runCliProcess, writeMigrations, type MigrationSpec } from '../helpers/migrations.js';

const table = (name: string): MigrationSpec => ({ name, sql: `CREATE TABLE ${name} (id int);\n`, down: `DROP TABLE ${name};\n` });


async function appliedNames(db: TestDatabase): Promise<string[]> {
  return (await db.query('SELECT name FROM dbship.migrations ORDER BY seq')).rows.map((r) => r.name);
}

async function tablesPresent(db: TestDatabase, names: string[]): Promise<string[]> {
  const { rows } = await db.query('SELECT t FROM unnest($1::text[]) t WHERE to_regclass(t) IS NOT NULL ORDER BY t', [names]);
  return rows.map((r) => r.t);
}

describe('downgrade', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('downgrade')));
  after(async () => db.drop());

  it('reverts one step by default, then --steps 2, newest first, with revert history rows', async () => {
    const dir = writeMigrations([table('a'), table('b'), table('c')]);
    const config = testConfig(db, dir);
    await upgrade(config);
    const events: string[] = [];
    const one = await downgrade(config, { onEvent: (e) => e.type === 'reverted' && events.push(e.name) });
    assert.deepEqual(one.reverted.map((r) => r.name), ['0002_c']);
    assert.deepEqual(events, ['0002_c']);
    assert.deepEqual(await appliedNames(db), ['0000_a', '0001_b']);
    const two = await downgrade(config, { steps: 2 });
    assert.deepEqual(two.reverted.map((r) => r.name), ['0001_b', '0000_a']);
    assert.deepEqual(await appliedNames(db), []);
    assert.deepEqual(await tablesPresent(db, ['a', 'b', 'c']), []);
    const { rows } = await db.query("SELECT name, checksum, by_host, duration_ms FROM dbship.history WHERE action = 'revert' ORDER BY id");
    assert.deepEqual(rows.map((r) => r.name), ['0002_c', '0001_b', '0000_a']);
    const applyRows = await db.query("SELECT name, checksum FROM dbship.history WHERE action = 'apply'");
    const checksumOf = new Map(applyRows.rows.map((r) => [r.name, r.checksum]));
    for (const r of rows) {
      assert.equal(r.checksum, checksumOf.get(r.name), `revert row of ${r.name} carries the migration's checksum`);
      assert.equal(r.by_host, 'test-runner');
      assert.equal(typeof r.duration_ms, 'number');
    }
  });

  it('reverts in application order, not build order', async () => {
    const fresh = await createTestDatabase('downgrade_seq');
    try {
      const dir = writeMigrations([table('a'), table('b'), table('c')]);
      const config = testConfig(fresh, dir);
      await upgrade(config, { to: '0000_a' });
      // 0002 first, then 0001 out of order: the newest applied is 0001.
      await fresh.query('CREATE TABLE c (id int)');
      const files = (await import('../../packages/dbship/src/migrator/folder/files.js')).loadMigrations(dir);
      await fresh.query("INSERT INTO dbship.migrations (name, checksum, applied_by, duration_ms, lock_wait_ms) VALUES ('0002_c', $1, 'x', 1, 0)", [files[2]!.checksum]);
      await upgrade(config, { allowOutOfOrder: true });
      assert.deepEqual(await appliedNames(fresh), ['0000_a', '0002_c', '0001_b']);
      const result = await downgrade(config, { steps: 2 });
      assert.deepEqual(result.reverted.map((r) => r.name), ['0001_b', '0002_c']);
    } finally {
      await fresh.drop();
    }
  });

  it('--to NAME reverts everything applied after NAME and keeps NAME; prints one line per migration', async () => {
    const dir = writeMigrations([table('a'), table('b'), table('c')]);
    await upgrade(testConfig(db, dir));
    const cli = await runCliProcess(['downgrade', '--to', 'a', '--yes'], cliEnv(db.url, dir));
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^Reverted 0002_c \(\d+ ms\)\nReverted 0001_b \(\d+ ms\)\nDowngraded: 2 migration\(s\) in /m);
    assert.deepEqual(await appliedNames(db), ['0000_a']);
    assert.deepEqual(await tablesPresent(db, ['a', 'b', 'c']), ['a']);
    const again = await downgrade(testConfig(db, dir), { to: '0000_a' });
    assert.deepEqual(again.reverted, []);
    const notApplied = await expectError(downgrade(testConfig(db, dir), { to: '0002_c' }), 'USAGE');
    assert.match(notApplied.message, /0002_c is not applied/);
    await expectError(downgrade(testConfig(db, dir), { to: 'nope' }), 'UNKNOWN_MIGRATION');
    await expectError(downgrade(testConfig(db, dir), { to: 'a', steps: 1 }), 'USAGE');
    await downgrade(testConfig(db, dir));
    const empty = await runCliProcess(['downgrade'], cliEnv(db.url, dir));
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /^No downgrade items found$/m);
  });

  it('refuses the whole request, naming each, for a missing down file, an irreversible marker or a migration unknown to the build', async () => {
    const specs = [
      table('a'),
      { name: 'b', sql: 'CREATE TABLE b (id int);\n' },
      { name: 'c', sql: 'CREATE TABLE c (id int);\n', down: '-- dbship:irreversible the rows of c cannot be restored\nDROP TABLE c;\n' },
      table('d'),
    ];
    const dir = writeMigrations(specs);
    const config = testConfig(db, dir);
    await upgrade(config);
    const err = await expectError(downgrade(config, { steps: 3 }), 'IRREVERSIBLE');
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /"0002_c", "0001_b"/);
    assert.match(err.details.join('\n'), /0001_b: has no down file \(expected 0001_b\.down\.sql\)/);
    assert.match(err.details.join('\n'), /0002_c: marked irreversible: the rows of c cannot be restored/);
    assert.deepEqual(await appliedNames(db), ['0000_a', '0001_b', '0002_c', '0003_d']);
    assert.deepEqual(await tablesPresent(db, ['a', 'b', 'c', 'd']), ['a', 'b', 'c', 'd']);
    const cli = await runCliProcess(['downgrade', '--steps', '2', '--yes'], cliEnv(db.url, dir));
    assert.equal(cli.code, 2, cli.stderr);
    assert.match(cli.stderr, /error\[IRREVERSIBLE\]: .*"0002_c"/);
    assert.deepEqual(await appliedNames(db), ['0000_a', '0001_b', '0002_c', '0003_d']);

    // An older build (a rollback) does not have 0003_d, hence not its down file either.
    const older = writeMigrations(specs.slice(0, 3));
    const fromOlderBuild = await expectError(downgrade(testConfig(db, older)), 'IRREVERSIBLE');
    assert.match(fromOlderBuild.details.join('\n'), /0003_d: unknown to this build/);
    assert.deepEqual(await appliedNames(db), ['0000_a', '0001_b', '0002_c', '0003_d']);

    const one = await downgrade(config);
    assert.deepEqual(one.reverted.map((r) => r.name), ['0003_d']);
  });

  it('refuses to downgrade past a changed applied file (integrity, exit 5)', async () => {
    const fresh = await createTestDatabase('downgrade_changed');
    try {
      const dir = writeMigrations([table('a'), table('b')]);
      await upgrade(testConfig(fresh, dir));
      writeFileSync(path.join(dir, '0000_a.sql'), 'CREATE TABLE a (id bigint);\n');
      const err = await expectError(downgrade(testConfig(fresh, dir)), 'CHECKSUM_MISMATCH');
      assert.equal(err.exitCode, 5);
      assert.deepEqual(await appliedNames(fresh), ['0000_a', '0001_b']);
    } finally {
      await fresh.drop();
    }
  });

  it('a failing down file leaves its migration applied and its schema as it was', async () => {
    const fresh = await createTestDatabase('downgrade_fail');
    try {
      const dir = writeMigrations([
        { name: 'a', sql: 'CREATE TABLE a (id int);\n', down: 'DROP TABLE a;\nDROP TABLE no_such_table;\n' },
        { name: 'b', sql: 'CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\n', down: 'DELETE FROM b;\nDROP TABLE b;\nSELECT no_such_column FROM a;\n' },
      ]);
      const config = testConfig(fresh, dir);
      await upgrade(config);
      const err = await expectError(downgrade(config), 'MIGRATION_FAILED');
      assert.equal(err.exitCode, 1);
      assert.match(err.message, /down migration 0001_b failed/);
      assert.match(err.details.join('\n'), /0001_b\.down\.sql:3:8/);
      assert.deepEqual(await appliedNames(fresh), ['0000_a', '0001_b']);
      assert.equal((await fresh.query('SELECT count(*)::int AS n FROM b')).rows[0]!.n, 1);
      assert.equal((await fresh.query("SELECT count(*)::int AS n FROM dbship.history WHERE action = 'revert'")).rows[0]!.n, 0);

      writeFileSync(path.join(dir, '0001_b.down.sql'), 'DROP TABLE b;\n');
      const partly = await expectError(downgrade(config, { steps: 2 }), 'MIGRATION_FAILED');
      assert.match(partly.message, /0000_a/);
      assert.match(partly.details.join('\n'), /already reverted by this run \(they stay reverted\): 0001_b/);
      assert.deepEqual(await appliedNames(fresh), ['0000_a']);
      assert.deepEqual(await tablesPresent(fresh, ['a', 'b']), ['a']);
    } finally {
      await fresh.drop();
    }
  });

  it('runs a down file marked no-transaction outside a transaction (DROP INDEX CONCURRENTLY)', async () => {
    const fresh = await createTestDatabase('downgrade_concurrently');
    try {
      const dir = writeMigrations([
        table('t'),
        {
          name: 'index_t',
          sql: '-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY t_id_idx ON t (id);\n',
          down: '-- dbship:no-transaction\nDROP INDEX CONCURRENTLY t_id_idx;\n',
        },
      ]);
      const config = testConfig(fresh, dir);
      await upgrade(config);
      const result = await downgrade(config);
      assert.deepEqual(result.reverted.map((r) => r.name), ['0001_index_t']);
      assert.equal((await fresh.query("SELECT to_regclass('t_id_idx') AS i")).rows[0]!.i, null);
      assert.deepEqual(await appliedNames(fresh), ['0000_t']);
    } finally {
      await fresh.drop();
    }
  });

  it('--dry-run prints the down SQL and changes nothing', async () => {
    const fresh = await createTestDatabase('downgrade_dry');
    try {
      const dir = writeMigrations([table('a'), table('b')]);
      await upgrade(testConfig(fresh, dir));
      const cli = await runCliProcess(['downgrade', '--steps', '2', '--dry-run'], cliEnv(fresh.url, dir));
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(cli.stdout, /Would revert 2 migration\(s\)[^\n]*\n\n-- 0001_b \(down\)\nDROP TABLE b;\n\n-- 0000_a \(down\)\nDROP TABLE a;/);
      assert.deepEqual(await appliedNames(fresh), ['0000_a', '0001_b']);
      const bad = await runCliProcess(['downgrade', '--steps', 'two'], cliEnv(fresh.url, dir));
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /--steps must be a whole number/);
    } finally {
      await fresh.drop();
    }
  });
});
