import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import type { DbshipError } from '../../packages/dbship/src/errors.js';
import { loadMigrations, readinessTarget } from '../../packages/dbship/src/migrator/folder/files.js';
import { check } from '../../packages/dbship/src/migrator/generate/check.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseRetype } from '../../packages/dbship/src/migrator/generate/online-retype.js';
import { startReleaseHeartbeat } from '../../packages/dbship/src/release-heartbeat.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeProject, NOW, type Project } from '../helpers/generate-fixture.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';
import { entriesForeignKey, extraColumns, invalidIndexNames, KEY_STEPS, keyedRows, keyModels, keyRetypeProject, keyShape, primaryKeyNames, type KeyKind } from '../helpers/online-retype-key.js';

const ROWS = 10_000;
const [, , INDEX, CONTRACT, VALIDATE] = KEY_STEPS;

for (const kind of ['identity', 'serial'] as KeyKind[]) {
  describe(`online type change of a primary key (${kind}): integer -> bigint with a referencing foreign key`, () => {
    let db: TestDatabase;
    let pool: pg.Pool;
    let p: Project;
    let wide: string;
    let seeded: { accounts: string; entries: string };

    before(async () => {
      db = await createTestDatabase(`online_retype_key_${kind}`);
      pool = new pg.Pool({ ...clientConfig(db.connection, 'online-retype-key-test'), max: 2 });
      ({ p, wide } = await keyRetypeProject(db, kind, ROWS));
      seeded = await keyedRows(db);
    });
    after(async () => {
      await pool?.end();
      await db?.drop();
    });

    it('writes five migrations that check accepts; release N+1 is ready before its contract', async () => {
      const files = loadMigrations(p.dir);
      assert.deepEqual(files.slice(1).map((f) => [f.online?.phase ?? null, f.transactional]), [['expand', true], ['backfill', true], [null, false], ['contract', true], ['contract', true]]);
      assert.equal(readinessTarget(files)?.name, INDEX);
      const report = await check({ dir: p.dir, schemaPath: wide });
      assert.deepEqual(report.problems, []);
      const contract = p.read(`${CONTRACT}.sql`);
      assert.match(contract, /Note: public\.entries\.account_id \(referencing the key\) keeps type integer/);
      assert.match(contract, /PRIMARY KEY USING INDEX "accounts_id_dbship_new_key"/);
    });

    it('deploy: expand, backfill and the index applied, the contract deferred; release N\'s writes are mirrored', async () => {
      const n = startReleaseHeartbeat(pool, { version: '0000_init', instance: 'release-n/1', intervalMs: 200 });
      assert.equal(await n.beat(), true);
      const r = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout + r.stderr, new RegExp(`${CONTRACT} not applied yet`));
      const applied = (await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY name')).rows.map((x) => x.name);
      assert.deepEqual(applied, ['0000_init', ...KEY_STEPS.slice(0, 3)]);
      assert.deepEqual(await extraColumns(db), ['id_dbship_new']);
      assert.deepEqual(await invalidIndexNames(db), []);
      assert.equal((await db.query(`SELECT 1 FROM pg_index WHERE indexrelid = 'accounts_id_dbship_new_key'::regclass AND indisunique AND indisvalid`)).rowCount, 1);
      assert.equal((await db.query('SELECT 1 FROM accounts WHERE id_dbship_new IS DISTINCT FROM id')).rowCount, 0, 'backfilled');
      // Release N writes without the shadow: identity (or serial) inserts, updates, a child row.
      const inserted = await pool.query<{ id: number }>(`INSERT INTO accounts (name) VALUES ('during 1'), ('during 2') RETURNING id`);
      await pool.query(`UPDATE accounts SET name = 'renamed' WHERE id = 5`);
      await pool.query(`INSERT INTO entries (account_id, note) VALUES ($1, 'during')`, [inserted.rows[0]!.id]);
      assert.deepEqual(inserted.rows.map((x) => x.id), [ROWS + 1, ROWS + 2]);
      assert.equal((await db.query('SELECT 1 FROM accounts WHERE id_dbship_new IS DISTINCT FROM id')).rowCount, 0, 'the trigger mirrors every write');
      const status = await runCliProcess(['status'], cliEnv(db.url, p.dir));
      assert.match(status.stdout, /open +0001_widen_account_id_expand: retype public\.accounts\.id (integer|serial) -> (bigint|bigserial)/);
      const drift = await runCliProcess(['drift'], cliEnv(db.url, p.dir));
      assert.doesNotMatch(drift.stdout + drift.stderr, /missing|extra-|invalid-index/, 'drift compares with the snapshot after the index step');
      await n.stop();
    });

    it('the contract: bigint primary key on the same ids, the sequence keeps counting, the foreign key re-added and validated', async () => {
      const before1 = await keyedRows(db);
      assert.notEqual(before1.accounts, seeded.accounts);
      const r = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
      assert.equal(r.code, 0, r.stderr);
      const shape = await keyShape(db);
      assert.deepEqual([shape.type, shape.primaryKey, shape.identity, shape.sequence], ['bigint', true, kind === 'identity' ? 'a' : '', 'public.accounts_id_seq']);
      assert.deepEqual(await extraColumns(db), []);
      assert.equal((await db.query(`SELECT 1 FROM pg_trigger WHERE tgname LIKE 'dbship_sync%'`)).rowCount, 0);
      assert.equal((await db.query(`SELECT 1 FROM pg_proc WHERE proname LIKE 'dbship_sync%'`)).rowCount, 0);
      assert.deepEqual(await entriesForeignKey(db), { validated: true });
      assert.deepEqual((await db.query(`SELECT conname FROM pg_constraint WHERE conrelid = 'accounts'::regclass AND contype = 'p'`)).rows, [{ conname: 'accounts_pkey' }]);
      assert.deepEqual(await keyedRows(db), before1, 'every id, name and child row unchanged');
      const next = await db.query<{ id: string }>(`INSERT INTO accounts (name) VALUES ('after') RETURNING id`);
      assert.equal(Number(next.rows[0]!.id), ROWS + 3, 'the sequence kept its position');
      const seq = await db.query<{ data_type: string; max_value: string }>(`SELECT data_type::text, max_value::text FROM pg_sequences WHERE sequencename = 'accounts_id_seq'`);
      assert.deepEqual(seq.rows[0], { data_type: 'bigint', max_value: '9223372036854775807' });
      const override = kind === 'identity' ? 'OVERRIDING SYSTEM VALUE' : '';
      await db.query(`INSERT INTO accounts (id, name) ${override} VALUES (3000000000, 'big')`);
      await assert.rejects(db.query(`INSERT INTO entries (account_id) VALUES (-1)`), /violates foreign key constraint/);
      await db.query(`DELETE FROM accounts WHERE id = 3000000000`);
      const drift = await runCliProcess(['drift'], cliEnv(db.url, p.dir));
      assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    });

    it('the contract\'s down file returns to the state after the index step, and the contract runs again', async () => {
      const kept = await keyedRows(db);
      const down = await runCliProcess(['downgrade', '--steps', '2', '--yes'], cliEnv(db.url, p.dir));
      assert.equal(down.code, 0, down.stderr);
      const shape = await keyShape(db);
      assert.deepEqual([shape.type, shape.primaryKey, shape.identity, shape.sequence], ['integer', true, kind === 'identity' ? 'a' : '', 'public.accounts_id_seq']);
      assert.deepEqual(await extraColumns(db), ['id_dbship_new']);
      assert.equal((await db.query('SELECT 1 FROM accounts WHERE id_dbship_new IS DISTINCT FROM id')).rowCount, 0);
      assert.deepEqual(await entriesForeignKey(db), { validated: true });
      assert.deepEqual(await keyedRows(db), kept);
      const next = await db.query<{ id: number }>(`INSERT INTO accounts (name) VALUES ('after down') RETURNING id`);
      assert.equal(next.rows[0]!.id, ROWS + 4, 'the sequence kept its position through the down file');
      const again = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
      assert.equal(again.code, 0, again.stderr);
      assert.equal((await keyShape(db)).type, 'bigint');
      assert.deepEqual(await entriesForeignKey(db), { validated: true });
      const applied = await db.query(`SELECT 1 FROM dbship.migrations WHERE name = ANY($1)`, [[CONTRACT, VALIDATE]]);
      assert.equal(applied.rowCount, 2);
    });
  });
}

// A key adopted from another tool or an existing database keeps its own constraint name, which
// drizzle models as a one-column primaryKey({ columns: [t.id], name }) (the column itself is not
// primaryKey in the snapshot). It was refused as "part of a composite primary key", and the
// contract would have re-created it as accounts_pkey.
for (const kind of ['identity', 'serial'] as KeyKind[]) {
  describe(`online type change of a named primary key (${kind}): primaryKey({ columns: [t.id], name: 'accounts_pk' })`, () => {
    const NAMED_ROWS = 1_000;
    let db: TestDatabase;
    let p: Project;
    let wide: string;
    let seeded: { accounts: string; entries: string };

    before(async () => {
      db = await createTestDatabase(`online_retype_named_key_${kind}`);
      ({ p, wide } = await keyRetypeProject(db, kind, NAMED_ROWS, 'accounts_pk'));
      seeded = await keyedRows(db);
    });
    after(async () => {
      await db?.drop();
    });

    it('the five steps name the key accounts_pk, in the contract and its down file', async () => {
      assert.deepEqual(await primaryKeyNames(db), ['accounts_pk']);
      assert.deepEqual((await check({ dir: p.dir, schemaPath: wide })).problems, []);
      const [up, down] = [p.read(`${CONTRACT}.sql`), p.read(`${CONTRACT}.down.sql`)];
      assert.match(up, /DROP CONSTRAINT "accounts_pk";/);
      assert.match(up, /ADD CONSTRAINT "accounts_pk" PRIMARY KEY USING INDEX "accounts_id_dbship_new_key";/);
      assert.match(down, /DROP CONSTRAINT "accounts_pk";/);
      assert.match(down, /ADD CONSTRAINT "accounts_pk" PRIMARY KEY \("id"\);/);
      assert.doesNotMatch(up + down, /accounts_pkey/);
      assert.match(p.read(`${KEY_STEPS[1]}.sql`), /key=id /, 'the backfill batches by the named key');
    });

    it('deploy (no release seen): a bigint key named accounts_pk, the foreign key re-added and validated, no drift', async () => {
      const r = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
      assert.equal(r.code, 0, r.stderr);
      const applied = (await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY name')).rows.map((x) => x.name);
      assert.deepEqual(applied, ['0000_init', ...KEY_STEPS]);
      const shape = await keyShape(db);
      assert.deepEqual([shape.type, shape.primaryKey, shape.identity, shape.sequence], ['bigint', true, kind === 'identity' ? 'a' : '', 'public.accounts_id_seq']);
      assert.deepEqual(await primaryKeyNames(db), ['accounts_pk']);
      assert.deepEqual(await extraColumns(db), []);
      assert.deepEqual(await entriesForeignKey(db), { validated: true });
      assert.deepEqual(await keyedRows(db), seeded, 'every id, name and child row unchanged');
      const next = await db.query<{ id: string }>(`INSERT INTO accounts (name) VALUES ('after') RETURNING id`);
      assert.equal(Number(next.rows[0]!.id), NAMED_ROWS + 1, 'the sequence kept its position');
      await assert.rejects(db.query(`INSERT INTO entries (account_id) VALUES (-1)`), /violates foreign key constraint/);
      const drift = await runCliProcess(['drift'], cliEnv(db.url, p.dir));
      assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    });

    it('the contract\'s down file brings back the integer key under the same name, and the contract runs again', async () => {
      const kept = await keyedRows(db);
      const down = await runCliProcess(['downgrade', '--steps', '2', '--yes'], cliEnv(db.url, p.dir));
      assert.equal(down.code, 0, down.stderr);
      const shape = await keyShape(db);
      assert.deepEqual([shape.type, shape.primaryKey], ['integer', true]);
      assert.deepEqual(await primaryKeyNames(db), ['accounts_pk']);
      assert.deepEqual(await extraColumns(db), ['id_dbship_new']);
      assert.deepEqual(await entriesForeignKey(db), { validated: true });
      assert.deepEqual(await keyedRows(db), kept);
      const drift = await runCliProcess(['drift'], cliEnv(db.url, p.dir));
      assert.equal(drift.code, 0, drift.stdout + drift.stderr);
      const again = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
      assert.equal(again.code, 0, again.stderr);
      assert.equal((await keyShape(db)).type, 'bigint');
      assert.deepEqual(await primaryKeyNames(db), ['accounts_pk']);
      assert.deepEqual(await entriesForeignKey(db), { validated: true });
    });
  });
}

describe('online type change of a named primary key whose column is not declared notNull()', () => {
  it('the expand still adds the shadow\'s NOT NULL check that the contract proves SET NOT NULL by', async () => {
    // The snapshot records such a column as nullable; PostgreSQL makes a key column NOT NULL.
    const models = (t: string) => `import { bigint, integer, pgTable, primaryKey } from 'drizzle-orm/pg-core';
export const accounts = pgTable('accounts', { id: ${t} }, (t) => [primaryKey({ columns: [t.id], name: 'accounts_pk' })]);`;
    const p = makeProject({ history: false });
    await generate({ dir: p.dir, name: 'init', schemaPath: p.models(models("integer('id')")), now: NOW });
    const result = await generate({ dir: p.dir, name: 'widen_account_id', schemaPath: p.models(models("bigint('id', { mode: 'number' })")), now: NOW, retype: parseRetype('accounts.id') });
    assert.deepEqual(result.migrations.map((m) => m.tag), [...KEY_STEPS]);
    assert.match(p.read(`${KEY_STEPS[0]}.sql`), /ADD CONSTRAINT "id_dbship_new_not_null" CHECK \("id_dbship_new" IS NOT NULL\) NOT VALID;/);
    assert.match(p.read(`${CONTRACT}.sql`), /DROP CONSTRAINT "id_dbship_new_not_null";[^]*ADD CONSTRAINT "accounts_pk" PRIMARY KEY USING INDEX/);
  });
});

describe('online type change of a primary key: what is refused', () => {
  it('a composite key (named or not), a named key past 63 bytes, and a narrowing of the key', async () => {
    const composite = (t: string, name: string) => `import { bigint, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
export const pairs = pgTable('pairs', { a: ${t}('a'${t === 'bigint' ? ", { mode: 'number' }" : ''}).notNull(), b: integer('b').notNull(), note: text('note') }, (t) => [primaryKey({ columns: [t.a, t.b]${name ? `, name: '${name}'` : ''} })]);`;
    for (const [name, shown] of [['', 'pairs_a_b_pk'], ['pairs_pk', 'pairs_pk']]) {
      const p = makeProject({ history: false });
      await generate({ dir: p.dir, name: 'init', schemaPath: p.models(composite('integer', name!)), now: NOW });
      await assert.rejects(generate({ dir: p.dir, name: 'widen', schemaPath: p.models(composite('bigint', name!)), now: NOW, retype: parseRetype('pairs.a') }), new RegExp(`it is part of a composite primary key \\(${shown}: a, b\\)`));
    }
    const long = `accounts_${'k'.repeat(60)}`;
    const l = makeProject({ history: false });
    await generate({ dir: l.dir, name: 'init', schemaPath: l.models(keyModels('identity', false, long)), now: NOW });
    await assert.rejects(generate({ dir: l.dir, name: 'widen', schemaPath: l.models(keyModels('identity', true, long)), now: NOW, retype: parseRetype('accounts.id') }),
      (err: DbshipError) => /the key's constraint name would pass 63 bytes/.test(err.message) && err.why!.includes(long));
    const q = makeProject({ history: false });
    await generate({ dir: q.dir, name: 'init', schemaPath: q.models(keyModels('identity', true)), now: NOW });
    await assert.rejects(generate({ dir: q.dir, name: 'narrow', schemaPath: q.models(keyModels('identity', false)), now: NOW, retype: parseRetype('accounts.id') }), /bigint -> integer of public\.accounts\.id is not supported yet/);
  });
});
