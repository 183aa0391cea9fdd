import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enumType, canonicalTypeText, serialBaseType } from '../../packages/dbship/src/migrator/drift/type.js';

// [how drizzle-kit writes it in a snapshot, how format_type() prints the live column]
const same: [string, string][] = [
  ['integer', 'integer'],
  ['int4', 'integer'],
  ['bigint', 'bigint'],
  ['int8', 'bigint'],
  ['smallint', 'smallint'],
  ['varchar(100)', 'character varying(100)'],
  ['varchar', 'character varying'],
  ['char(3)', 'character(3)'],
  ['char', 'character(1)'],
  ['numeric(10, 2)', 'numeric(10,2)'],
  ['decimal(10, 2)', 'numeric(10,2)'],
  ['numeric', 'numeric'],
  // numeric(precision) without a scale: the server stores scale 0 and prints it.
  ['numeric(7)', 'numeric(7,0)'],
  ['decimal(7)', 'numeric(7,0)'],
  ['numeric(7)[]', 'numeric(7,0)[]'],
  ['timestamp', 'timestamp without time zone'],
  ['timestamp (3)', 'timestamp(3) without time zone'],
  ['timestamp with time zone', 'timestamp with time zone'],
  ['timestamptz', 'timestamp with time zone'],
  ['timestamp (6) with time zone', 'timestamp(6) with time zone'],
  ['timestamptz(6)', 'timestamp(6) with time zone'],
  ['time(3)', 'time(3) without time zone'],
  ['time with time zone', 'time with time zone'],
  ['timetz', 'time with time zone'],
  ['double precision', 'double precision'],
  ['float8', 'double precision'],
  ['float4', 'real'],
  ['float(10)', 'real'],
  ['float(40)', 'double precision'],
  ['bool', 'boolean'],
  ['text[]', 'text[]'],
  ['integer[][]', 'integer[]'],
  ['varchar(20)[]', 'character varying(20)[]'],
  ['text[3]', 'text[]'],
  ['varbit(5)', 'bit varying(5)'],
  ['bit', 'bit(1)'],
  ['jsonb', 'jsonb'],
  ['uuid', 'uuid'],
  ['interval', 'interval'],
  ['vector(3)', 'public.vector(3)'],
  ['geometry(point)', 'geometry(Point)'],
  ['"Money"', 'money'],
];

const different: [string, string][] = [
  ['text', 'character varying'],
  ['varchar(100)', 'character varying(200)'],
  ['timestamp', 'timestamp with time zone'],
  ['timestamp (3)', 'timestamp without time zone'],
  ['integer', 'bigint'],
  ['text[]', 'text'],
  ['numeric(10, 2)', 'numeric(12,2)'],
  ['numeric(7)', 'numeric(7,2)'],
  ['numeric(7)', 'numeric'],
  ['char(3)', 'character(1)'],
  ['real', 'double precision'],
];

describe('canonicalTypeText', () => {
  for (const [model, live] of same) {
    it(`${model} = ${live}`, () => assert.equal(canonicalTypeText(model), canonicalTypeText(live)));
  }
  for (const [model, live] of different) {
    it(`${model} != ${live}`, () => assert.notEqual(canonicalTypeText(model), canonicalTypeText(live)));
  }
  it('spells the canonical form as the server does', () => {
    assert.equal(canonicalTypeText('varchar(100)'), 'character varying(100)');
    assert.equal(canonicalTypeText('timestamp (3) with time zone'), 'timestamp(3) with time zone');
    assert.equal(canonicalTypeText('integer[][]'), 'integer[]');
  });
});

describe('serial types', () => {
  const cases: [string, string | null][] = [
    ['serial', 'integer'], ['serial4', 'integer'], ['bigserial', 'bigint'], ['serial8', 'bigint'],
    ['smallserial', 'smallint'], ['serial2', 'smallint'], ['integer', null], ['text', null],
  ];
  for (const [type, base] of cases) {
    it(`${type} -> ${String(base)}`, () => assert.equal(serialBaseType(type), base));
  }
  it('normalise to their integer type', () => assert.equal(canonicalTypeText('bigserial'), 'bigint'));
});

describe('enumType', () => {
  it('keeps the schema and the exact name', () => {
    assert.equal(enumType('public', 'Mood', false), 'enum public.Mood');
    assert.equal(enumType('app', 'status', true), 'enum app.status[]');
    assert.notEqual(enumType('public', 'status', false), enumType('app', 'status', false));
  });
});
