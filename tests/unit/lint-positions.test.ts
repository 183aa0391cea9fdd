import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lintSql, type LintFinding } from '../../packages/dbship/src/migrator/lint/index.js';
import { SourceText } from '../../packages/dbship/src/migrator/sql/source.js';

const at = (f: LintFinding): string => `${f.rule}@${f.line}:${f.column}`;

describe('positions in non-ASCII SQL (the parser counts bytes; columns count characters)', () => {
  const cases: { name: string; sql: string; expect: string[]; statement?: string }[] = [
    {
      name: 'two-byte characters before the node',
      sql: 'ALTER TABLE "café" ADD COLUMN "naïve" int NOT NULL;',
      expect: ['add-column-not-null-without-default@1:31'],
      statement: 'ALTER TABLE "café" ADD COLUMN "naïve" int NOT NULL',
    },
    {
      name: 'an emoji (4 bytes, 2 UTF-16 units) earlier on the line',
      sql: "INSERT INTO t VALUES ('😀'); ALTER TABLE \"ü\" ADD COLUMN x int NOT NULL;",
      expect: ['mixed-ddl-and-data@1:1', 'add-column-not-null-without-default@1:56', 'unrelated-tables@1:29'].sort(byPosition),
    },
    {
      name: 'non-ASCII comment lines before the statement',
      sql: '-- ändern: Spalte löschen 🚀\n-- второй комментарий\nALTER TABLE users DROP COLUMN "größe";',
      expect: ['drop-column@3:1'],
      statement: 'ALTER TABLE users DROP COLUMN "größe"',
    },
    {
      name: 'syntax error after non-ASCII text (the parser gives a character position)',
      sql: "SELECT '😀😀';  CREATE TABEL x ();",
      expect: ['syntax-error@1:22'],
    },
    {
      name: 'syntax error on a later line after multi-byte characters',
      sql: "SELECT 'ñandú';\nSELECT 'é', FROM t;",
      expect: ['syntax-error@2:13'],
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const findings = await lintSql(c.sql, { file: 'x.sql' });
      assert.deepEqual(findings.map(at), c.expect, JSON.stringify(findings.map((f) => `${at(f)} ${f.message}`)));
      if (c.statement) assert.equal(findings[0]?.statement, c.statement);
    });
  }
});

function byPosition(a: string, b: string): number {
  const pos = (s: string): number[] => s.split('@')[1]!.split(':').map(Number);
  const [al, ac] = pos(a);
  const [bl, bc] = pos(b);
  return al! - bl! || ac! - bc! || a.localeCompare(b);
}

describe('SourceText offsets', () => {
  const text = 'a é 😀\nb';
  const source = new SourceText(text);
  const cases: { what: string; got: () => unknown; want: unknown }[] = [
    { what: 'byte of "é" -> string offset', got: () => source.fromByte(2), want: 2 },
    { what: 'byte after "é" (2 bytes)', got: () => source.fromByte(4), want: 3 },
    { what: 'byte of the emoji', got: () => source.fromByte(5), want: 4 },
    { what: 'byte after the emoji (4 bytes, 2 units)', got: () => source.fromByte(9), want: 6 },
    { what: 'code point after the emoji', got: () => source.fromCodePoint(5), want: 6 },
    { what: 'line 2 starts after the newline', got: () => source.position(7), want: { line: 2, column: 1 } },
    { what: 'column counts the emoji once', got: () => source.position(6), want: { line: 1, column: 6 } },
    { what: 'ASCII fast path', got: () => new SourceText('abc\ndef').position(5), want: { line: 2, column: 2 } },
  ];
  for (const c of cases) test(c.what, () => assert.deepEqual(c.got(), c.want));
});
