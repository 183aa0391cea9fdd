import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { canonicalArrayLiteral, prepareExpressions, sameExpression } from '../../packages/dbship/src/migrator/drift/expr.js';
import { isSingleExpression } from '../../packages/dbship/src/migrator/drift/server-expr.js';

before(prepareExpressions);

// [how drizzle-kit writes it, how the server prints it back (pg_get_expr)], taken from PostgreSQL 15.
const defaults: [string, string][] = [
  ["'x'", "'x'::character varying"],
  ["'it''s'", "'it''s'::text"],
  ["'1.5'", '1.5'],
  ["'0'", "'0'::numeric"],
  ['-1', "'-1'::integer"],
  ['5', '5'],
  ['1.5', '1.5'],
  ['false', 'false'],
  ['true', 'true'],
  ['now()', 'now()'],
  ['CURRENT_TIMESTAMP', 'CURRENT_TIMESTAMP'],
  ['gen_random_uuid()', 'gen_random_uuid()'],
  ["'ok'", "'ok'::mood"],
  ["'{\"a\":1}'::jsonb", "'{\"a\": 1}'::jsonb"],
  ["'{\"b\":[1,2],\"a\":null}'::jsonb", "'{\"a\": null, \"b\": [1, 2]}'::jsonb"],
  ["'[1,\"x\"]'::json", "'[1,\"x\"]'::json"],
  ["'{\"a\",\"b c\"}'", "'{a,\"b c\"}'::text[]"],
  ["'{1,2}'", "'{1,2}'::integer[]"],
  ["'{}'::text[]", "'{}'::text[]"],
  ["'2020-01-01 00:00:00'", "'2020-01-01 00:00:00'::timestamp without time zone"],
  ["'1 day'", "'1 day'::interval"],
  ["(now() + interval '1 day')", "(now() + '1 day'::interval)"],
  ["nextval('counter_seq')", "nextval('counter_seq'::regclass)"],
  ["''", "''::character varying"],
];

// [drizzle-kit's check / index text, the server's], including its rewrites of IN, BETWEEN and LIKE.
const expressions: [string, string][] = [
  ['"orgs"."n" > 0', 'n > 0::numeric'],
  ['"d"."st" in (\'a\', \'b\')', "st = ANY (ARRAY['a'::text, 'b'::text])"],
  ['"d"."st" in (\'a\')', "st = 'a'::text"],
  ['"d"."st" not in (\'z\')', "st <> 'z'::text"],
  ['"d"."st" not in (\'y\', \'z\')', "st <> ALL (ARRAY['y'::text, 'z'::text])"],
  ['"d"."lo" between 1 and 10', 'lo >= 1 AND lo <= 10'],
  ['"d"."em" like \'%@%\'', "em ~~ '%@%'::text"],
  ['"d"."em" ilike \'%X%\' and "d"."em" ~* \'^a\'', "em ~~* '%X%'::text AND em ~* '^a'::text"],
  ['char_length("d"."vc") <= 10', 'char_length(vc::text) <= 10'],
  ['"d"."vc" <> \'\'', "vc::text <> ''::text"],
  ['"d"."lo" < "d"."hi" OR "d"."hi" IS NULL', 'lo < hi OR hi IS NULL'],
  ['lower("name")', 'lower(name::text)'],
  ['("lo" + 1)', 'lo + 1'],
  ['"orgs"."b" = true and "orgs"."kind" in (\'a\')', "b = true AND kind = 'a'::text"],
  ['a and (b and c)', 'a AND b AND c'],
  ['x > 0 and y between 1 and 2', 'x > 0 AND y >= 1 AND y <= 2'],
  ['pg_catalog.lower(x)', 'lower(x)'],
];

const notSame: [string, string][] = [
  ["'x'", "'y'::text"],
  ['now()', 'CURRENT_TIMESTAMP'],
  ['"orgs"."n" > 0', 'n > 1::numeric'],
  ['"orgs"."n" > 0', 'n >= 0::numeric'],
  ['a and b', 'a or b'],
  ["st in ('a', 'b')", "st = ANY (ARRAY['a'::text, 'c'::text])"],
  ['lo between 1 and 10', 'lo >= 1 AND lo <= 11'],
  ["'{\"a\":1}'::jsonb", "'{\"a\": 2}'::jsonb"],
  ["'{\"a\",\"b\"}'", "'{b,a}'::text[]"],
  ['lower(name)', 'upper(name)'],
  ['false', 'true'],
  ['a < b', 'b < a'],
];

describe('sameExpression', () => {
  for (const [model, live] of defaults) {
    it(`default ${model} = ${live}`, () => assert.ok(sameExpression(model, live)));
  }
  for (const [model, live] of expressions) {
    it(`expression ${model} = ${live}`, () => assert.ok(sameExpression(model, live)));
  }
  for (const [model, live] of notSame) {
    it(`${model} != ${live}`, () => assert.ok(!sameExpression(model, live)));
  }
  it('compares text that does not parse with whitespace collapsed', () => {
    assert.ok(sameExpression('a  +', 'a +'));
    assert.ok(!sameExpression('a  +', 'b +'));
  });
});

describe('canonicalArrayLiteral', () => {
  const cases: [string, string | null][] = [
    ['{}', '{}'],
    ['{a,b}', '{"a","b"}'],
    ['{"a","b c"}', '{"a","b c"}'],
    ['{ a , "b\\"c" }', '{"a","b\\"c"}'],
    ['{NULL,null,"NULL"}', '{NULL,NULL,"NULL"}'],
    ['{{1,2},{3,4}}', '{{"1","2"},{"3","4"}}'],
    ['{"a":1}', null],
    ['{a,b', null],
    ['abc', null],
    ['{a,}', null],
  ];
  for (const [input, expected] of cases) {
    it(`${input} -> ${String(expected)}`, () => assert.equal(canonicalArrayLiteral(input), expected));
  }
});

describe('isSingleExpression (what drift may hand to the server inside its own statement)', () => {
  const single = ["'1 hour'", "'x'::text", 'now()', 'a > 0 AND b < 1', "\"people\".\"age\" >= 0", '(SELECT 1)'];
  const not = ['1 FROM t', '1; DROP TABLE t', '1) FROM t; --', '1 UNION SELECT 2', '1 WHERE true', '1, 2', '', '1 FOR UPDATE'];
  for (const text of single) it(`${text} is one expression`, () => assert.equal(isSingleExpression(text), true));
  for (const text of not) it(`${JSON.stringify(text)} is not`, () => assert.equal(isSingleExpression(text), false));
});
