import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { compareModels } from '../../packages/dbship/src/migrator/drift/compare.js';
import { prepareExpressions } from '../../packages/dbship/src/migrator/drift/expr.js';
import type { ColumnModel, DriftKind, IndexModel, SchemaModel, TableModel } from '../../packages/dbship/src/migrator/drift/model.js';

before(prepareExpressions);

const col = (name: string, over: Partial<ColumnModel> = {}): ColumnModel => ({
  name, type: 'integer', notNull: false, default: null, generation: null, generatedAs: null, ...over,
});

const idx = (name: string, over: Partial<IndexModel> = {}): IndexModel => ({
  name, unique: false, method: 'btree', where: null, with: {}, valid: true,
  columns: [{ expression: 'a', isExpression: false, desc: false, nullsFirst: false, opclass: null }], ...over,
});

function table(over: Partial<TableModel> = {}): TableModel {
  return {
    schema: 'public', name: 't', columns: new Map([['a', col('a')]]), primaryKey: null,
    uniques: new Map(), indexes: new Map(), foreignKeys: new Map(), checks: new Map(), ...over,
  };
}

function model(t: TableModel | null, over: Partial<SchemaModel> = {}): SchemaModel {
  return { schemas: new Set(), tables: new Map(t ? [[`${t.schema}.${t.name}`, t]] : []), enums: new Map(), sequences: new Map(), ...over };
}

const one = <K, V>(k: K, v: V) => new Map([[k, v]]);

interface Case {
  readonly title: string;
  readonly expected: SchemaModel;
  readonly actual: SchemaModel;
  /** Expected kinds, in order; [] means no drift. */
  readonly kinds: DriftKind[];
  readonly message?: RegExp;
}

const fk = { name: 'fk', columns: ['a'], refTable: 'public.p', refColumns: ['id'], onDelete: 'no action', onUpdate: 'no action' } as const;

const cases: Case[] = [
  { title: 'identical tables', expected: model(table()), actual: model(table()), kinds: [] },
  {
    title: 'serial in the models, identity in the database',
    expected: model(table({ columns: one('a', col('a', { generation: 'serial', notNull: true })) })),
    actual: model(table({ columns: one('a', col('a', { generation: 'always', notNull: true })) })),
    kinds: ['column-identity'], message: /value generation is GENERATED ALWAYS AS IDENTITY in the database, serial .* in the models/,
  },
  {
    title: 'a column-level primary key matches whatever name the server gave it',
    expected: model(table({ primaryKey: { name: null, columns: ['a'] } })),
    actual: model(table({ primaryKey: { name: 't_pkey', columns: ['a'] } })),
    kinds: [],
  },
  {
    title: 'a composite primary key with another name',
    expected: model(table({ primaryKey: { name: 't_a_b_pk', columns: ['a', 'b'] } })),
    actual: model(table({ primaryKey: { name: 't_pkey', columns: ['a', 'b'] } })),
    kinds: ['primary-key'], message: /t_pkey PRIMARY KEY \(a, b\) in the database, t_a_b_pk PRIMARY KEY \(a, b\) in the models/,
  },
  {
    title: 'a primary key missing', expected: model(table({ primaryKey: { name: null, columns: ['a'] } })), actual: model(table()),
    kinds: ['primary-key'], message: /^the primary key of public\.t PRIMARY KEY \(a\) is missing from the database/,
  },
  {
    title: 'a default operator class named in the models',
    expected: model(table({ indexes: one('i', idx('i', { columns: [{ expression: 'a', isExpression: false, desc: false, nullsFirst: false, opclass: 'int4_ops' }] })) })),
    actual: model(table({ indexes: one('i', idx('i', { columns: [{ expression: 'a', isExpression: false, desc: false, nullsFirst: false, opclass: null, defaultOpclass: 'int4_ops' }] })) })),
    kinds: [],
  },
  {
    title: 'a non-default operator class in the database',
    expected: model(table({ indexes: one('i', idx('i')) })),
    actual: model(table({ indexes: one('i', idx('i', { columns: [{ expression: 'a', isExpression: false, desc: false, nullsFirst: false, opclass: 'int4_minmax_ops' }] })) })),
    kinds: ['index'],
  },
  {
    title: 'DESC NULLS FIRST instead of DESC NULLS LAST',
    expected: model(table({ indexes: one('i', idx('i', { columns: [{ expression: 'a', isExpression: false, desc: true, nullsFirst: false, opclass: null }] })) })),
    actual: model(table({ indexes: one('i', idx('i', { columns: [{ expression: 'a', isExpression: false, desc: true, nullsFirst: true, opclass: null }] })) })),
    kinds: ['index'], message: /btree \(a DESC\) in the database, btree \(a DESC NULLS LAST\) in the models/,
  },
  {
    title: 'a unique index where the models have a plain one, left invalid',
    expected: model(table({ indexes: one('i', idx('i')) })),
    actual: model(table({ indexes: one('i', idx('i', { unique: true, valid: false })) })),
    kinds: ['invalid-index', 'index'],
  },
  {
    title: 'an extra invalid index says so',
    expected: model(table()), actual: model(table({ indexes: one('i', idx('i', { valid: false })) })),
    kinds: ['extra-index'], message: /INVALID, left by a failed CREATE INDEX CONCURRENTLY/,
  },
  {
    title: 'the same partial index predicate spelled differently',
    expected: model(table({ indexes: one('i', idx('i', { where: '"t"."a" in (\'x\')' })) })),
    actual: model(table({ indexes: one('i', idx('i', { where: "a = 'x'::text" })) })),
    kinds: [],
  },
  {
    title: 'NULLS NOT DISTINCT dropped from a unique constraint',
    expected: model(table({ uniques: one('u', { name: 'u', columns: ['a'], nullsNotDistinct: true }) })),
    actual: model(table({ uniques: one('u', { name: 'u', columns: ['a'], nullsNotDistinct: false }) })),
    kinds: ['unique'],
  },
  { title: 'an extra foreign key', expected: model(table()), actual: model(table({ foreignKeys: one('fk', fk) })), kinds: ['extra-foreign-key'] },
  {
    title: 'a foreign key to another table',
    expected: model(table({ foreignKeys: one('fk', fk) })), actual: model(table({ foreignKeys: one('fk', { ...fk, refTable: 'public.q' }) })),
    kinds: ['foreign-key'],
  },
  {
    title: 'a check constraint added NOT VALID, named with capitals',
    expected: model(table({ checks: one('Pos', { name: 'Pos', expression: 'a > 0' }) })),
    actual: model(table({ checks: one('Pos', { name: 'Pos', expression: 'a > 0', validated: false }) })),
    kinds: ['unvalidated-constraint'], message: /run ALTER TABLE public\.t VALIDATE CONSTRAINT "Pos"$/,
  },
  {
    title: 'an extra NOT VALID check is reported once, as extra',
    expected: model(table()), actual: model(table({ checks: one('c', { name: 'c', expression: 'a > 0', validated: false }) })),
    kinds: ['extra-check'],
  },
  {
    title: 'a generated column with another expression',
    expected: model(table({ columns: one('a', col('a', { generatedAs: '"t"."b" * 2' })) })),
    actual: model(table({ columns: one('a', col('a', { generatedAs: '(b * 3)' })) })),
    kinds: ['column-generated'],
  },
  {
    title: 'an enum value added by hand',
    expected: model(null, { enums: one('public.mood', { schema: 'public', name: 'mood', values: ['sad', 'ok'] }) }),
    actual: model(null, { enums: one('public.mood', { schema: 'public', name: 'mood', values: ['sad', 'ok', 'meh'] }) }),
    kinds: ['enum-values'], message: /^enum public\.mood: the value list is \('sad', 'ok', 'meh'\) in the database, \('sad', 'ok'\) in the models$/,
  },
  {
    title: 'sequence options the models leave unstated are not compared',
    expected: model(null, { sequences: one('public.s', { schema: 'public', name: 's', increment: '2' }) }),
    actual: model(null, { sequences: one('public.s', { schema: 'public', name: 's', increment: '2', cache: '20', startWith: '7' }) }),
    kinds: [],
  },
  {
    title: 'a sequence with another increment',
    expected: model(null, { sequences: one('public.s', { schema: 'public', name: 's', increment: '2' }) }),
    actual: model(null, { sequences: one('public.s', { schema: 'public', name: 's', increment: '1' }) }),
    kinds: ['sequence'],
  },
  {
    title: 'a schema and its table missing',
    expected: model(table({ schema: 'app' }), { schemas: new Set(['app']) }), actual: model(null),
    kinds: ['missing-schema', 'missing-table'],
  },
];

describe('compareModels', () => {
  for (const c of cases) {
    it(c.title, () => {
      const found = compareModels(c.expected, c.actual);
      assert.deepEqual(found.map((d) => d.kind), c.kinds, JSON.stringify(found, null, 2));
      if (c.message) assert.match(found.map((d) => d.message).join('\n'), c.message);
    });
  }

  it('lists differences in a stable order: schemas, enums, sequences, then tables by name', () => {
    const expected = model(null, { schemas: new Set(['app']), enums: one('public.e', { schema: 'public', name: 'e', values: ['x'] }) });
    const actual: SchemaModel = { ...model(null), tables: new Map([['public.b', table({ name: 'b' })], ['public.a', table({ name: 'a' })]]) };
    assert.deepEqual(compareModels(expected, actual).map((d) => d.object), ['app', 'public.e', 'public.a', 'public.b']);
  });
});
