import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DbshipError } from '../../packages/dbship/src/errors.js';
import { checksumOf, headerDirectives, loadMigrations } from '../../packages/dbship/src/migrator/folder/files.js';
import { caretExcerpt, lineColumn, splitStatements, SqlSyntaxError } from '../../packages/dbship/src/migrator/sql/split.js';
import { tempDir, writeMigrations } from '../helpers/migrations.js';

describe('loadMigrations', () => {
  it('an absent folder is an empty history', () => {
    assert.deepEqual(loadMigrations(path.join(tempDir(), 'nope')), []);
  });

  it('reads files in journal order with checksum, down file and header directives', () => {
    const dir = writeMigrations([
      { name: 'init', sql: 'CREATE TABLE a (id int);\n', down: 'DROP TABLE a;\n' },
      { name: 'idx', sql: '-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n' },
      { name: 'backfill', sql: '-- dbship:irreversible deletes rows\nDELETE FROM a;\n' },
    ]);
    const [init, idx, backfill] = loadMigrations(dir);
    assert.equal(init!.name, '0000_init');
    assert.equal(init!.checksum, checksumOf('CREATE TABLE a (id int);\n'));
    assert.equal(init!.downSql, 'DROP TABLE a;\n');
    assert.equal(init!.transactional, true);
    assert.equal(idx!.transactional, false);
    assert.equal(idx!.downSql, null);
    assert.equal(backfill!.irreversible, 'deletes rows');
  });

  it('reports every inconsistency at once', () => {
    const dir = writeMigrations([{ name: 'a', sql: 'SELECT 1;' }, { name: 'b', sql: 'SELECT 2;' }]);
    rmSync(path.join(dir, '0001_b.sql'));
    writeFileSync(path.join(dir, '0002_stray.sql'), 'SELECT 3;');
    try {
      loadMigrations(dir);
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof DbshipError);
      assert.equal(err.code, 'MIGRATIONS_DIR_INVALID');
      assert.equal(err.exitCode, 5);
      assert.deepEqual(err.details, ['journal lists "0001_b" but 0001_b.sql does not exist', '0002_stray.sql is not listed in meta/_journal.json']);
    }
  });

  it('header directives stop at the first statement', () => {
    const d = headerDirectives('-- a comment\n-- dbship:no-transaction\nSELECT 1;\n-- dbship:irreversible too late\n');
    assert.deepEqual([...d.keys()], ['dbship:no-transaction']);
  });
});

describe('splitStatements', () => {
  it('splits on the parser, not on semicolons, with character offsets after non-ASCII text', async () => {
    const sql = "-- héllo wörld\nINSERT INTO t VALUES ('a;b', 'ünï');\n--> statement-breakpoint\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n";
    const stmts = await splitStatements(sql);
    assert.deepEqual(stmts.map((s) => s.text), ["INSERT INTO t VALUES ('a;b', 'ünï')", 'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql']);
    assert.equal(sql.slice(stmts[1]!.offset, stmts[1]!.offset + 15), 'CREATE FUNCTION');
    assert.deepEqual(lineColumn(sql, stmts[1]!.offset), { line: 4, column: 1 });
  });

  it('throws the parser error with its position in the file', async () => {
    await assert.rejects(splitStatements('SELECT 1;\nSELEC 2;'), (e: unknown) => e instanceof SqlSyntaxError && e.offset === 10 && /syntax error at or near "SELEC"/.test(e.message));
  });

  it('cuts at --> statement-breakpoint first, as drizzle-orm does: a statement may end there without ;', async () => {
    const sql = "UPDATE t SET a = 'ü'\n--> statement-breakpoint\nALTER TABLE t ADD COLUMN b int;--> statement-breakpoint\n\n--> statement-breakpoint\nSELECT 1";
    const stmts = await splitStatements(sql);
    assert.deepEqual(stmts.map((s) => s.text), ["UPDATE t SET a = 'ü'", 'ALTER TABLE t ADD COLUMN b int', 'SELECT 1']);
    assert.deepEqual(stmts.map((s) => lineColumn(sql, s.offset)), [{ line: 1, column: 1 }, { line: 3, column: 1 }, { line: 6, column: 1 }]);
  });

  it('a syntax error in a later piece is placed in the file, after multi-byte text in earlier ones', async () => {
    const sql = "SELECT 'é😀'\n--> statement-breakpoint\nSELECT 1,\n  FROM t;";
    const err = await splitStatements(sql).catch((e: unknown) => e);
    assert.ok(err instanceof SqlSyntaxError);
    assert.deepEqual(lineColumn(sql, err.offset), { line: 4, column: 3 });
  });

  it('draws a caret under a column', () => {
    assert.deepEqual(caretExcerpt('a\n  bad thing', 4), ['  bad thing', '  ^']);
  });
});

describe('positions in non-ASCII SQL', () => {
  it('regression: a syntax error after multi-byte characters put its caret too far right (the parser counts code points, not bytes)', async () => {
    const { parseError } = await import('../../packages/dbship/src/migrator/sql/statement-error.js');
    const sql = "SELECT 'é😀' AS x;\nSELEC 1;\n";
    const err = await splitStatements(sql).catch((e: unknown) => e);
    const formatted = parseError({ name: '0000_x', path: '/m/0000_x.sql', sql, transactional: true, direction: 'up' }, err);
    assert.deepEqual(formatted.details, ['at /m/0000_x.sql:2:1', '| SELEC 1;', '| ^']);
  });

  it('counts an emoji as one column', () => {
    assert.deepEqual(lineColumn('😀x', 2), { line: 1, column: 2 });
  });
});
