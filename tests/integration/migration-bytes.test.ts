import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lintFiles } from '../../packages/dbship/src/migrator/lint/lint-files.js';
import { firstInvalidByte } from '../../packages/dbship/src/migrator/sql/encoding.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { expectError } from '../helpers/errors.js';
import { cliEnv, runCliProcess, writeMigrations } from '../helpers/migrations.js';

/** Migration files whose bytes are not plain UTF-8 SQL: each is refused clearly, or read right. */

/** A one-migration folder whose file holds exactly `bytes`. */
function folderWith(bytes: Buffer): string {
  const dir = writeMigrations([{ name: 'data', sql: 'placeholder' }]);
  writeFileSync(path.join(dir, '0000_data.sql'), bytes);
  return dir;
}

describe('migration file bytes', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('bytes')));
  after(async () => db.drop());

  const tableExists = async (name: string) => (await db.query('SELECT to_regclass($1) IS NOT NULL AS e', [name])).rows[0]!.e;

  it('refuses a Latin-1 file with the byte offset instead of storing U+FFFD', async () => {
    const sql = Buffer.concat([Buffer.from("CREATE TABLE cafe (name text);\nINSERT INTO cafe VALUES ('caf"), Buffer.from([0xe9]), Buffer.from("');\n")]);
    const r = await runCliProcess(['upgrade'], cliEnv(db.url, folderWith(sql)));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /error\[MIGRATION_REFUSED\]: .*0000_data\.sql is not valid UTF-8: byte offset 60 \(line 2\) starts 0xe9 0x27/);
    assert.match(r.stderr, /fix: re-save the file as UTF-8/);
    assert.equal(await tableExists('cafe'), false);
  });

  it('drops a byte order mark and applies the file; the checksum is of the bytes as committed', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('CREATE TABLE bom_t (x int);\n')]);
    const dir = folderWith(bytes);
    await upgrade(testConfig(db, dir));
    assert.equal(await tableExists('bom_t'), true);
    const { rows } = await db.query("SELECT checksum FROM dbship.migrations WHERE name = '0000_data'");
    assert.equal(rows[0]!.checksum, createHash('sha256').update(bytes).digest('hex'));
    await db.query('DROP TABLE bom_t; DROP SCHEMA dbship CASCADE');
  });

  it('a BOM before the no-transaction header keeps the header', async () => {
    const bytes = Buffer.from('\ufeff-- dbship:no-transaction\nCREATE TABLE bom_notx (x int);\nCREATE INDEX CONCURRENTLY bom_notx_x ON bom_notx (x);\n');
    await upgrade(testConfig(db, folderWith(bytes)));
    assert.equal(await tableExists('bom_notx_x'), true);
    await db.query('DROP TABLE bom_notx; DROP SCHEMA dbship CASCADE');
  });

  for (const [label, sql] of [
    ['with its rows, as pg_dump writes it', 'CREATE TABLE copied (id int);\nCOPY copied (id) FROM stdin;\n1\n2\n\\.\n'],
    ['without rows', 'CREATE TABLE copied (id int);\nCOPY copied FROM STDIN WITH (FORMAT csv);\n'],
  ] as const) {
    it(`COPY ... FROM stdin ${label}: "not supported in migrations", pointing at the COPY`, async () => {
      const err = await expectError(upgrade(testConfig(db, folderWith(Buffer.from(sql)))), 'MIGRATION_REFUSED');
      assert.equal(err.message, '0000_data: COPY ... FROM stdin is not supported in migrations: use INSERT ... VALUES instead');
      assert.match(err.details[0]!, /0000_data\.sql:2:1$/);
      assert.match(err.fix!, /use INSERT \.\.\. VALUES/);
      assert.equal(await tableExists('copied'), false);
    });
  }

  const templates = [
    ['empty', ''],
    ['blank', '\n  \n'],
    ["drizzle-kit's unfilled custom template", '-- Custom SQL migration file, put your code below! --'],
    ["dbship's unfilled custom template", '-- Hand-written migration: put the SQL below. It runs in one transaction with its tracking row.\n-- Keep one concern per migration, and batch large backfills.\n-- dbship:no-transaction\n\n'],
  ] as const;
  for (const [label, sql] of templates) {
    it(`an ${label} file is refused as empty`, async () => {
      const err = await expectError(upgrade(testConfig(db, folderWith(Buffer.from(sql)))), 'MIGRATION_REFUSED');
      assert.equal(err.message, '0000_data: the migration file is empty (no SQL statement: blank, or the custom-migration template never filled in)');
      assert.match(err.fix!, /write the migration's SQL/);
      assert.equal((await db.query("SELECT to_regclass('dbship.migrations') IS NULL OR NOT EXISTS (SELECT FROM dbship.migrations) AS none")).rows[0]!.none, true);
    });
  }
});

describe('lint reads a file as the engine does', () => {
  it('regression: lint took a BOM for a syntax error and read bytes that are not UTF-8 leniently; it refuses them with their offset, as the engine does', async () => {
    const bom = folderWith(Buffer.from('\ufeffCREATE TABLE linted (x int);\n'));
    assert.deepEqual(await lintFiles([path.join(bom, '0000_data.sql')]), []);
    const latin1 = folderWith(Buffer.from("CREATE TABLE linted (x text DEFAULT 'caf\u00e9');\n", 'latin1'));
    const err = await expectError(lintFiles([path.join(latin1, '0000_data.sql')]), 'MIGRATION_REFUSED');
    assert.match(err.message, /is not valid UTF-8: byte offset 40 \(line 1\)/);
  });
});

describe('firstInvalidByte', () => {
  const cases: [string, number[], number][] = [
    ['ASCII', [0x61, 0x62], 2],
    ['a 4-byte emoji', [0xf0, 0x9f, 0x98, 0x80], 4],
    ['Latin-1 é', [0x61, 0xe9, 0x62], 1],
    ['an overlong slash', [0xc0, 0xaf], 0],
    ['a UTF-16 surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['a truncated sequence at the end', [0x61, 0x62, 0xe2, 0x82], 2],
    ['a lone continuation byte', [0x80], 0],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
  ];
  for (const [label, bytes, offset] of cases) {
    it(label, () => assert.equal(firstInvalidByte(Uint8Array.from(bytes)), offset));
  }
});
