import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { quoteIdent } from '../../packages/dbship/src/db/pool.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { testConfig } from '../helpers/config.js';
import { connectionUrl, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { expectError } from '../helpers/errors.js';
import { cliEnv, collect, runCliProcess, spawnCli, tempDir, writeMigrations } from '../helpers/migrations.js';
import { startStandby, type Standby } from '../helpers/standby.js';

/** A target that accepts only reads has its own error and exit code (8), and deploy waits for a promotion. */

const migrations = writeMigrations([{ name: 'create_t', sql: 'CREATE TABLE t (id int);\n' }]);

describe('default_transaction_read_only', () => {
  let db: TestDatabase;
  const role = `dbship_ro_${randomBytes(4).toString('hex')}`;
  const password = `Ro-${randomBytes(6).toString('hex')}`;
  before(async () => {
    db = await createTestDatabase('read_only');
    await db.query(`CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD '${password}'`);
    await db.query(`GRANT CREATE ON DATABASE ${quoteIdent(db.name)} TO ${quoteIdent(role)}; GRANT CREATE ON SCHEMA public TO ${quoteIdent(role)}`);
  });
  after(async () => {
    await db.query(`REVOKE ALL ON DATABASE ${quoteIdent(db.name)} FROM ${quoteIdent(role)}; REVOKE ALL ON SCHEMA public FROM ${quoteIdent(role)}; DROP ROLE ${quoteIdent(role)}`);
    await db.drop();
  });

  it('set for the database: exit 8, DATABASE_READ_ONLY, the ALTER DATABASE that fixes it, nothing written', async () => {
    await db.query(`ALTER DATABASE ${quoteIdent(db.name)} SET default_transaction_read_only = on`);
    try {
      const r = await runCliProcess(['upgrade'], cliEnv(db.url, migrations));
      assert.equal(r.code, 8, r.stderr);
      assert.match(r.stderr, /error\[DATABASE_READ_ONLY\]: .* runs every transaction read-only \(default_transaction_read_only is on, set for the database\)/);
      assert.match(r.stderr, new RegExp(`fix: as an administrator: ALTER DATABASE ${db.name} RESET default_transaction_read_only;`));
      assert.doesNotMatch(r.stderr, /privilege|MIGRATION_FAILED/);
    } finally {
      await db.query(`BEGIN READ WRITE; ALTER DATABASE ${quoteIdent(db.name)} RESET default_transaction_read_only; COMMIT`);
    }
    assert.equal((await db.query("SELECT to_regnamespace('dbship') IS NULL AS none")).rows[0]!.none, true);
  });

  it('set for the role: the ALTER ROLE that fixes it', async () => {
    await db.query(`ALTER ROLE ${quoteIdent(role)} SET default_transaction_read_only = on`);
    const url = connectionUrl({ ...db.connection, user: role, password });
    const err = await expectError(upgrade(testConfig(db, migrations, { DATABASE_URL: url })), 'DATABASE_READ_ONLY');
    assert.equal(err.exitCode, 8);
    assert.match(err.message, /set for the role/);
    assert.match(err.fix!, new RegExp(`ALTER ROLE ${role} RESET default_transaction_read_only`));
  });
});

describe('a hot standby', () => {
  let standby: Standby | undefined;
  let skip: string | undefined;
  before(async () => {
    try {
      standby = await startStandby(tempDir('dbship-standby-'));
    } catch (err) {
      skip = `cannot start a PostgreSQL standby here (${(err as Error).message})`;
      console.log(`# skipped: ${skip}`);
    }
  });
  after(async () => standby?.stop());

  it('deploy fails with exit 8 once its wait budget is spent, naming the standby', async (t) => {
    if (!standby) return t.skip(skip);
    const r = await runCliProcess(['deploy', '--wait', '2s', '--drift', 'off'], cliEnv(standby.url, migrations, { LOG_LEVEL: 'warn' }));
    assert.equal(r.code, 8, r.stderr);
    assert.match(r.stderr, /is a hot standby \(a read-only replica\): migrations cannot run there; still so after waiting 2 s \(DB_WAIT\)/);
    assert.match(r.stderr, /point the migration database settings .* at the primary/);
  });

  it('deploy waits for the promotion, then applies', async (t) => {
    if (!standby) return t.skip(skip);
    const child = spawnCli(['deploy', '--wait', '120s', '--drift', 'off'], cliEnv(standby.url, migrations));
    const exited = collect(child);
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    for (let i = 0; !stderr.includes('waiting for it to accept writes (a promotion)'); i++) {
      assert.ok(i < 600 && child.exitCode === null, `deploy did not report the wait:\n${stderr}`);
      await sleep(100);
    }
    await standby.promote();
    const r = await exited;
    assert.equal(r.code, 0, r.stderr);
    const rows = await standby.query<{ name: string }>('SELECT name FROM dbship.migrations');
    assert.deepEqual(rows.map((row) => row.name), ['0000_create_t']);
  });
});
