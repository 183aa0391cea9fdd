import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lintSql, type LintFinding } from '../../packages/dbship/src/migrator/lint/index.js';

const at = (f: LintFinding): string => `${f.rule}@${f.line}:${f.column}`;

const cases: { name: string; sql: string; expect: string[] }[] = [
  {
    name: 'directly above, with a reason: suppressed',
    sql: '-- dbship:allow drop-column contract step: unused since release 2024.06\nALTER TABLE users DROP COLUMN legacy_id;',
    expect: [],
  },
  {
    name: 'in a block of comment lines above: suppressed',
    sql: '-- dbship:allow drop-column unused since 2024.06\n-- (see the release notes)\nALTER TABLE users DROP COLUMN legacy_id;',
    expect: [],
  },
  {
    name: "on the statement's line: suppressed",
    sql: 'ALTER TABLE users DROP COLUMN legacy_id; -- dbship:allow drop-column unused since 2024.06',
    expect: [],
  },
  {
    name: 'on a later line of a multi-line statement: suppressed',
    sql: 'ALTER TABLE users\n  DROP COLUMN legacy_id -- dbship:allow drop-column unused since 2024.06\n;',
    expect: [],
  },
  {
    name: 'two rules, two lines: both suppressed',
    sql: '-- dbship:allow drop-column unused since 2024.06\n-- dbship:allow rename-column old pods are gone (maintenance window)\nALTER TABLE users DROP COLUMN a;\n',
    expect: ['unused-suppression@2:1'],
  },
  {
    name: 'without a reason: ignored and reported',
    sql: '-- dbship:allow drop-column\nALTER TABLE users DROP COLUMN legacy_id;',
    expect: ['suppression-without-reason@1:1', 'drop-column@2:1'],
  },
  {
    name: 'unknown rule id: reported, finding kept',
    sql: '-- dbship:allow drop-colum typo in the id\nALTER TABLE users DROP COLUMN legacy_id;',
    expect: ['suppression-unknown-rule@1:1', 'drop-column@2:1'],
  },
  {
    name: 'no rule id at all',
    sql: '-- dbship:allow\nALTER TABLE users DROP COLUMN legacy_id;',
    expect: ['suppression-unknown-rule@1:1', 'drop-column@2:1'],
  },
  {
    name: 'a meta rule cannot be suppressed',
    sql: '-- dbship:allow syntax-error I know\nSELECT 1;',
    expect: ['suppression-unknown-rule@1:1'],
  },
  {
    name: 'a blank line detaches it',
    sql: '-- dbship:allow drop-column unused since 2024.06\n\nALTER TABLE users DROP COLUMN legacy_id;',
    expect: ['unused-suppression@1:1', 'drop-column@3:1'],
  },
  {
    name: 'applies to the next statement only',
    sql: '-- dbship:allow drop-column unused since 2024.06\nALTER TABLE users DROP COLUMN a;\nALTER TABLE users DROP COLUMN b;',
    expect: ['drop-column@3:1'],
  },
  {
    name: 'a statement without that finding: unused',
    sql: '-- dbship:allow truncate intended\nALTER TABLE users DROP COLUMN a;',
    expect: ['unused-suppression@1:1', 'drop-column@2:1'],
  },
  {
    name: 'inside a string literal it is not a directive',
    sql: "UPDATE notes SET body = '\n-- dbship:allow drop-column not a comment';\nALTER TABLE notes DROP COLUMN a;",
    expect: ['mixed-ddl-and-data@1:1', 'drop-column@3:1'],
  },
  {
    name: 'inside a dollar-quoted body it is not a directive',
    sql: "DO $body$ BEGIN\n-- dbship:allow drop-column not a comment of the file\nEND $body$;\nALTER TABLE notes DROP COLUMN a;",
    expect: ['drop-column@4:1'],
  },
  {
    name: 'suppresses one rule, not the others on the statement',
    sql: '-- dbship:allow add-column-not-null-without-default the table is empty in every environment\nALTER TABLE users ADD COLUMN a int NOT NULL, ADD COLUMN b uuid DEFAULT gen_random_uuid();',
    expect: ['volatile-default@2:72'],
  },
];

describe('suppressions', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const findings = await lintSql(c.sql, { file: '0001_case.sql' });
      assert.deepEqual(findings.map(at), c.expect, JSON.stringify(findings.map((f) => `${at(f)} ${f.message}`), null, 2));
    });
  }

  test('the suppression findings say what to do', async () => {
    const [finding] = await lintSql('-- dbship:allow drop-column\nALTER TABLE users DROP COLUMN legacy_id; -- dbship:allow drop-column ok', { file: 'x.sql' });
    assert.equal(finding?.rule, 'suppression-without-reason');
    assert.equal(finding?.severity, 'error');
    assert.match(finding?.message ?? '', /drop-column gives no reason/);
    assert.match(finding?.fix ?? '', /dbship:allow drop-column /);
  });
});
