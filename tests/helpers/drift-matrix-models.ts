/**
 * The models sources of the no-false-drift matrix (tests/integration/drift-no-false-difference.test.ts):
 * each is written to a throwaway project, generated with dbship's generate and deployed.
 */

export const COLUMN_TYPES = `import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, char, cidr, customType, date, doublePrecision, inet, integer, interval, json, jsonb, line, macaddr, macaddr8, numeric, pgEnum, pgSchema, pgTable, point, real, serial, smallint, smallserial, text, time, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });
export const mood = pgEnum('mood', ['sad', 'ok', "it's fine"]);
export const other = pgSchema('other');
export const level = other.enum('level', ['low', 'high']);

export const kitchen = pgTable('kitchen', {
  id: serial('id').primaryKey(),
  small: smallint('small').default(-5),
  int: integer('int').notNull().default(0),
  bigNum: bigint('big_num', { mode: 'number' }).default(-9007199254740991),
  // .default(9223372036854775807n) stops drizzle-kit (see drift-no-false-difference.test.ts): the same value as SQL.
  bigBig: bigint('big_big', { mode: 'bigint' }).default(sql\`9223372036854775807\`),
  ss: smallserial('ss'),
  bs: bigserial('bs', { mode: 'number' }),
  num: numeric('num', { precision: 10, scale: 2 }).default('-1.50'),
  numPlain: numeric('num_plain'),
  numP: numeric('num_p', { precision: 7 }),
  r: real('r').default(1.5),
  dp: doublePrecision('dp').default(-0.25),
  flag: boolean('flag').notNull().default(false),
  flag2: boolean('flag2').default(true),
  t: text('t').default(''),
  quoted: text('quoted').default("it's \\"quoted\\""),
  vc: varchar('vc', { length: 20 }).default('abc'),
  vcPlain: varchar('vc_plain'),
  ch: char('ch', { length: 3 }),
  ch1: char('ch1'),
  u: uuid('u').defaultRandom(),
  u2: uuid('u2').default(sql\`gen_random_uuid()\`),
  j: json('j').default({ a: 1, b: [1, 2] }),
  jb: jsonb('jb').default({ key: 'v', n: [true, null] }),
  jbArr: jsonb('jb_arr').default([]),
  jbArr2: jsonb('jb_arr2').default([1, 'two']),
  d: date('d').defaultNow(),
  dStr: date('d_str', { mode: 'date' }).default(sql\`CURRENT_DATE\`),
  tm: time('tm'),
  tmTz: time('tm_tz', { withTimezone: true, precision: 3 }),
  tmP: time('tm_p', { precision: 0 }).default('12:00:00'),
  ts: timestamp('ts'),
  tsTz: timestamp('ts_tz', { withTimezone: true, precision: 6 }).defaultNow(),
  tsP: timestamp('ts_p', { precision: 3, mode: 'string' }).default(sql\`now()\`),
  tsD: timestamp('ts_d', { mode: 'date', withTimezone: true }).default(sql\`CURRENT_TIMESTAMP\`),
  tsLit: timestamp('ts_lit', { mode: 'string' }).default('2020-01-01 00:00:00'),
  iv: interval('iv').default('1 day'),
  ivF: interval('iv_f', { fields: 'day to second', precision: 3 }),
  ip: inet('ip').default('127.0.0.1'),
  net: cidr('net'),
  mac: macaddr('mac'),
  mac8: macaddr8('mac8'),
  pt: point('pt'),
  ptT: point('pt_t', { mode: 'tuple' }),
  ln: line('ln'),
  lnAbc: line('ln_abc', { mode: 'abc' }),
  tags: text('tags').array().notNull().default(sql\`'{}'::text[]\`),
  tags2: text('tags2').array().default([]),
  tags3: text('tags3').array().default(['a', 'b c']),
  ints: integer('ints').array().default([1, 2]),
  ints2: integer('ints2').array().array(),
  m: mood('m').default('ok'),
  mq: mood('mq').default("it's fine"),
  ms: mood('ms').array(),
  lv: level('lv').notNull().default('low'),
  bin: bytea('bin'),
});`;

/** Defaults and a check whose constants the server stores in its own spelling. */
export const LITERALS = `import { sql } from 'drizzle-orm';
import { bigint, boolean, char, check, date, doublePrecision, inet, integer, interval, json, jsonb, numeric, pgTable, real, text, time, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
export const lits = pgTable('lits', {
  id: integer('id').primaryKey(),
  ts: timestamp('ts', { mode: 'string' }).default('2020-01-01'),
  tsz: timestamp('tsz', { mode: 'string', withTimezone: true }).default('2020-01-01 00:00:00+00'),
  iv: interval('iv').default('1 hour'),
  iv2: interval('iv2').default('90 minutes'),
  d: date('d').default('2020-1-2'),
  tm: time('tm').default('9:00'),
  num: numeric('num').default('1.5'),
  num2: numeric('num2', { precision: 10, scale: 2 }).default('1'),
  r: real('r').default(1e-7),
  dp: doublePrecision('dp').default(1e21),
  ip: inet('ip').default('10.0.0.1/32'),
  u: uuid('u').default('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'),
  jb: jsonb('jb').default({ b: 1, a: 2 }),
  b: boolean('b').default(sql\`'t'\`),
  t: text('t').default(sql\`'x' || 'y'\`),
}, (t) => [check('lits_num_check', sql\`\${t.num} > 0.50\`)]);
/** Function calls, casts, special SQL forms and operators as defaults. */
export const fx = pgTable('fx', {
  id: integer('id').primaryKey(),
  a: timestamp('a', { precision: 3 }).default(sql\`CURRENT_TIMESTAMP(3)\`),
  b: timestamp('b').default(sql\`LOCALTIMESTAMP\`),
  c: date('c').default(sql\`now()::date\`),
  d: timestamp('d').default(sql\`timezone('utc', now())\`),
  e: timestamp('e').default(sql\`(now() AT TIME ZONE 'utc')\`),
  f: doublePrecision('f').default(sql\`extract(epoch from now())\`),
  g: text('g').default(sql\`md5(random()::text)\`),
  h: integer('h').default(sql\`(random() * 100)::int\`),
  i: text('i').default(sql\`gen_random_uuid()::text\`),
  j: json('j').default(sql\`'{"a": 1,  "b": 2}'::json\`),
  k: jsonb('k').default(sql\`'[]'\`),
  l: varchar('l', { length: 5 }).default(sql\`upper('ab')\`),
  m: char('m', { length: 4 }).default('ab'),
  n: numeric('n', { precision: 6, scale: 3 }).default('1.5'),
  o: boolean('o').default(sql\`false\`),
  p: time('p').default(sql\`CURRENT_TIME\`),
  q: bigint('q', { mode: 'number' }).default(sql\`(extract(epoch from now()) * 1000)::bigint\`),
  r: text('r').default(sql\`current_setting('application_name')\`),
  s: text('s').default(sql\`'a' || E'\\\\n'\`),
  t: timestamp('t', { withTimezone: true }).default(sql\`now() - interval '1 hour'\`),
  u: text('u').default(sql\`concat('a', 'b')\`),
  v: text('v').default(sql\`CASE WHEN true THEN 'y' ELSE 'n' END\`),
});`;

/** Identity, generated columns, keys, uniques, foreign keys, checks, sequences, another schema. */
export const CONSTRAINTS = `import { sql } from 'drizzle-orm';
import { bigint, check, foreignKey, index, integer, pgSchema, pgSequence, pgTable, primaryKey, smallint, text, unique, uniqueIndex, varchar, timestamp, jsonb } from 'drizzle-orm/pg-core';

export const billing = pgSchema('billing');
export const counter = pgSequence('counter', { startWith: 100, increment: 5, minValue: 1, maxValue: 100000, cache: 10, cycle: true });
export const plain = pgSequence('plain_seq');
export const billSeq = billing.sequence('bill_seq', { startWith: -10, increment: -1, minValue: -1000, maxValue: -1 });

export const accounts = billing.table('accounts', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity({ startWith: 1000, increment: 2, minValue: 1000, maxValue: 999999, cache: 5, cycle: true }),
  code: varchar('code', { length: 12 }).notNull().unique(),
  region: text('region').notNull(),
  n: integer('n').notNull(),
}, (t) => [unique('accounts_region_n_key').on(t.region, t.n).nullsNotDistinct()]);

export const people = pgTable('people', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  small: smallint('small').generatedAlwaysAsIdentity(),
  managerId: bigint('manager_id', { mode: 'number' }).references((): any => people.id, { onDelete: 'set null', onUpdate: 'cascade' }),
  accountId: integer('account_id').references(() => accounts.id, { onDelete: 'restrict' }),
  first: text('first').notNull(),
  last: text('last').notNull(),
  full: text('full').generatedAlwaysAs(sql\`first || ' ' || last\`),
  fullLen: integer('full_len').generatedAlwaysAs((): any => sql\`length(\${people.first}) + length(\${people.last})\`),
  email: text('email').unique('people_email_uq'),
  phone: text('phone').unique('people_phone_uq', { nulls: 'not distinct' }),
  age: integer('age'),
  score: integer('score').default(0),
  status: text('status').default('new'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  data: jsonb('data'),
}, (t) => [
  check('people_age_check', sql\`\${t.age} >= 0 AND \${t.age} < 150\`),
  check('people_status_check', sql\`\${t.status} IN ('new', 'active', 'gone')\`),
  check('people_name_check', sql\`length(\${t.first}) > 0 OR \${t.last} <> ''\`),
  check('people_score_check', sql\`\${t.score} BETWEEN -10 AND 10\`),
  check('people_email_check', sql\`\${t.email} LIKE '%@%'\`),
  check('people_data_check', sql\`\${t.data} IS NULL OR jsonb_typeof(\${t.data}) = 'object'\`),
  check('people_regex_check', sql\`\${t.first} ~ '^[A-Z]'\`),
  check('people_created_check', sql\`\${t.createdAt} > '2000-01-01'::timestamptz\`),
  check('people_not_check', sql\`NOT (\${t.first} = \${t.last})\`),
  check('people_coalesce_check', sql\`coalesce(\${t.score}, 0) >= -10\`),
  unique('people_first_last_uq').on(t.first, t.last),
  unique().on(t.last, t.age),
]);

export const memberships = pgTable('memberships', {
  personId: bigint('person_id', { mode: 'number' }).notNull(),
  accountId: integer('account_id').notNull(),
  role: text('role'),
  since: timestamp('since'),
}, (t) => [
  primaryKey({ name: 'memberships_pk', columns: [t.personId, t.accountId] }),
  foreignKey({ columns: [t.personId], foreignColumns: [people.id], name: 'memberships_person_fk' }).onDelete('cascade'),
  foreignKey({ columns: [t.accountId], foreignColumns: [accounts.id] }).onDelete('no action').onUpdate('restrict'),
]);

export const grants = pgTable('grants', {
  personId: bigint('person_id', { mode: 'number' }),
  accountId: integer('account_id'),
  what: text('what'),
  defaulted: integer('defaulted').default(0),
}, (t) => [
  primaryKey({ columns: [t.personId, t.accountId, t.what] }),
  foreignKey({ columns: [t.personId, t.accountId], foreignColumns: [memberships.personId, memberships.accountId] }).onDelete('set default').onUpdate('set null'),
]);

export const single = pgTable('single', {
  a: integer('a'),
  b: text('b'),
}, (t) => [primaryKey({ columns: [t.a] })]);`;

/**
 * Indexes: plain, unique, multi-column, DESC / NULLS FIRST, expressions, partial, gin, hash, brin,
 * operator classes, storage parameters, concurrently, in another schema. dbship writes the
 * CONCURRENTLY of a new table's index as a plain CREATE INDEX (the table is empty).
 */
export const INDEXES = `import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgEnum, pgSchema, pgTable, real, text, timestamp, uniqueIndex, varchar } from 'drizzle-orm/pg-core';

export const app = pgSchema('app');

export const docs = pgTable('docs', {
  id: integer('id').primaryKey(),
  title: text('title').notNull(),
  slug: varchar('slug', { length: 100 }),
  email: text('email'),
  body: jsonb('body'),
  tags: text('tags').array(),
  ownerId: integer('owner_id'),
  createdAt: timestamp('created_at', { withTimezone: true }).defaultNow(),
  deleted: boolean('deleted').default(false),
  rank: real('rank'),
}, (t) => [
  index('docs_title_idx').on(t.title),
  uniqueIndex('docs_slug_uidx').on(t.slug),
  index('docs_owner_created_idx').on(t.ownerId, t.createdAt.desc()),
  index('docs_created_nulls_idx').on(t.createdAt.desc().nullsFirst()),
  index('docs_rank_nulls_first_idx').on(t.rank.asc().nullsFirst()),
  index('docs_rank_desc_last_idx').on(t.rank.desc().nullsLast()),
  uniqueIndex('docs_lower_email_uidx').on(sql\`lower(\${t.email})\`),
  index('docs_lower_title_idx').on(sql\`lower(\${t.title})\`, t.ownerId),
  index('docs_live_idx').on(t.ownerId).where(sql\`\${t.deleted} = false\`),
  index('docs_live2_idx').on(t.ownerId).where(sql\`NOT \${t.deleted} AND \${t.ownerId} IS NOT NULL\`),
  index('docs_recent_idx').on(t.createdAt).where(sql\`\${t.createdAt} > '2024-01-01'\`),
  index('docs_body_gin_idx').using('gin', t.body),
  index('docs_body_path_idx').using('gin', t.body.op('jsonb_path_ops')),
  index('docs_tags_gin_idx').using('gin', t.tags),
  index('docs_slug_hash_idx').using('hash', t.slug),
  index('docs_title_pattern_idx').on(t.title.op('text_pattern_ops')),
  index('docs_slug_pattern_idx').using('btree', t.slug.op('varchar_pattern_ops')),
  index('docs_fill_idx').on(t.ownerId).with({ fillfactor: 70 }),
  index('docs_brin_idx').using('brin', t.createdAt),
  index('docs_concurrent_idx').on(t.email).concurrently(),
  index('docs_body_expr_idx').on(sql\`(\${t.body} ->> 'kind')\`),
  index().on(t.ownerId, t.title),
]);

export const events = app.table('events', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  kind: text('kind').notNull(),
  at: timestamp('at').notNull(),
}, (t) => [
  index('events_kind_at_idx').on(t.kind, t.at.desc()),
  uniqueIndex('events_kind_lower_uidx').on(sql\`lower(\${t.kind})\`).where(sql\`\${t.kind} <> 'x'\`),
]);

/** Directions with NULLS orders, an operator class, a predicate with storage parameters, an enum key. */
export const st = pgEnum('st', ['a', 'b']);
export const ix = pgTable('ix', {
  id: integer('id').primaryKey(),
  a: integer('a'),
  b: text('b'),
  s: st('s'),
  v: varchar('v', { length: 10 }),
}, (t) => [
  // Not t.b.op('text_pattern_ops').desc(): drizzle-kit then writes the column without DESC while
  // its snapshot says DESC, so the index really differs from the models (see the test file).
  index('ix_combo_idx').using('btree', t.a.asc().nullsFirst(), t.b.op('text_pattern_ops')),
  index('ix_all_idx').on(t.a.desc(), t.b).where(sql\`\${t.s} = 'a' AND \${t.v} LIKE 'x%'\`).with({ fillfactor: 50 }),
  uniqueIndex('ix_enum_uidx').on(t.s, t.a).where(sql\`\${t.s} IS NOT NULL\`),
  index('ix_sql_col_desc_idx').on(sql\`"b" DESC NULLS LAST\`),
  index('ix_expr_desc_idx').on(sql\`(\${t.a} + 1)\`),
  index('ix_v_idx').on(sql\`lower(\${t.v}::text)\`),
  index('ix_in_idx').on(t.a).where(sql\`\${t.v} IN ('a', 'b')\`),
]);`;

/**
 * Names that need quoting (upper case, a space), odd expressions in defaults, checks and a
 * generated column, arrays of varchar, enum and timestamp, a composite self-reference, identity
 * in a composite key in another schema, a sequence used by a default, generated columns (a search
 * vector, jsonb paths, arithmetic), and what drift does not
 * compare (a view, a materialized view, RLS, a policy).
 */
export const NAMES_AND_EXPRESSIONS = `import { sql, type SQL } from 'drizzle-orm';
import { boolean, check, customType, date, foreignKey, index, integer, jsonb, numeric, pgEnum, pgMaterializedView, pgPolicy, pgSchema, pgSequence, pgTable, pgView, primaryKey, serial, text, timestamp, unique, uniqueIndex, varchar } from 'drizzle-orm/pg-core';

export const status = pgEnum('Status', ['Draft', 'Live']);
export const shop = pgSchema('Shop');
export const shopKind = shop.enum('kind', ['a', 'b']);

export const Orders = pgTable('Orders', {
  orderId: serial('orderId').primaryKey(),
  customerName: varchar('Customer Name', { length: 80 }).notNull(),
  price: numeric('price', { precision: 10, scale: 2 }).notNull().default('0'),
  gross: numeric('gross', { precision: 12, scale: 2 }).generatedAlwaysAs((): any => sql\`(\${Orders.price} * 1.2)::numeric(12,2)\`),
  tags: varchar('tags', { length: 10 }).array().default(sql\`ARRAY['x']::varchar[]\`),
  states: status('states').array().default(['Draft']),
  stamps: timestamp('stamps').array(),
  due: date('due').default(sql\`CURRENT_DATE + 7\`),
  expires: timestamp('expires', { withTimezone: true }).default(sql\`now() + interval '1 day'\`),
  st: status('st').notNull().default('Draft'),
  parentId: integer('parentId'),
  parentRev: integer('parentRev'),
  rev: integer('rev').notNull().default(1),
  seqVal: integer('seq_val').default(sql\`nextval('plain_counter')\`),
  active: boolean('active').default(sql\`(1 = 1)\`),
}, (t) => [
  unique('Orders_order_rev_key').on(t.orderId, t.rev),
  foreignKey({ columns: [t.parentId, t.parentRev], foreignColumns: [t.orderId, t.rev], name: 'Orders_parent_fk' }).onDelete('cascade'),
  check('Orders price positive', sql\`\${t.price} >= 0\`),
  check('Orders_name_check', sql\`char_length(\${t.customerName}) BETWEEN 1 AND 80 AND \${t.customerName} !~* '^\\\\s'\`),
  check('Orders_case_check', sql\`CASE WHEN \${t.st} = 'Live' THEN \${t.price} > 0 ELSE true END\`),
  check('Orders_tags_check', sql\`\${t.tags} IS NULL OR array_length(\${t.tags}, 1) <= 5\`),
  check('Orders_distinct_check', sql\`\${t.parentId} IS DISTINCT FROM \${t.orderId}\`),
  check('Orders_in_check', sql\`\${t.rev} IN (1, 2, 3) OR \${t.rev} > 10\`),
  check('Orders_due_check', sql\`\${t.due} >= '2020-01-01'\`),
  index('Orders_Name_idx').on(t.customerName),
  index('orders_lower_name_idx').on(sql\`lower(\${t.customerName})\`).where(sql\`\${t.st} = 'Live'\`),
  index('orders_states_idx').using('gin', t.states),
]);

export const items = shop.table('Items', {
  id: integer('id').generatedByDefaultAsIdentity({ startWith: 10 }),
  orderId: integer('order_id').notNull().references(() => Orders.orderId, { onDelete: 'cascade', onUpdate: 'cascade' }),
  kind: shopKind('kind').default('a'),
  sku: text('sku').notNull(),
  qty: integer('qty').notNull().default(1),
}, (t) => [
  primaryKey({ columns: [t.id, t.sku], name: 'Items_PK' }),
  check('items_qty_check', sql\`\${t.qty} > 0 AND \${t.qty} < 1000\`),
]).enableRLS();

export const counterSeq = pgSequence('plain_counter');

export const notes = pgTable('notes', {
  id: serial('id').primaryKey(),
  owner: text('owner').notNull().default(sql\`current_user\`),
  body: text('body'),
}, () => [
  pgPolicy('notes_owner_policy', { as: 'permissive', for: 'select', to: 'public', using: sql\`owner = current_user\` }),
]);

export const liveOrders = pgView('live_orders').as((qb) => qb.select().from(Orders).where(sql\`\${Orders.st} = 'Live'\`));
export const orderTotals = pgMaterializedView('order_totals').as((qb) => qb.select({ id: Orders.orderId, price: Orders.price }).from(Orders));

/** Generated columns: a search vector (with its gin index), jsonb paths, arithmetic, a date at a time zone. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });
export const art = pgTable('art', {
  id: integer('id').primaryKey(),
  title: text('title').notNull(),
  body: text('body'),
  doc: jsonb('doc'),
  search: tsvector('search').generatedAlwaysAs((): SQL => sql\`to_tsvector('english', coalesce(\${art.title}, '') || ' ' || coalesce(\${art.body}, ''))\`),
  kind: text('kind').generatedAlwaysAs((): SQL => sql\`\${art.doc} ->> 'kind'\`),
  sub: jsonb('sub').generatedAlwaysAs((): SQL => sql\`\${art.doc} -> 'sub'\`),
  price: numeric('price', { precision: 10, scale: 2 }),
  vat: numeric('vat', { precision: 10, scale: 2 }).generatedAlwaysAs((): SQL => sql\`round(\${art.price} * 0.2, 2)\`),
  hasBody: boolean('has_body').generatedAlwaysAs((): SQL => sql\`\${art.body} IS NOT NULL\`),
  at: timestamp('at', { withTimezone: true }),
  day: date('day').generatedAlwaysAs((): SQL => sql\`(\${art.at} AT TIME ZONE 'UTC')::date\`),
  len: integer('len').generatedAlwaysAs(sql\`char_length(title)\`),
}, (t) => [index('art_search_idx').using('gin', t.search)]);`;

/**
 * A history of four model versions over the same tables, each generated and deployed in turn:
 * the ALTER paths and dbship's safe forms (NOT NULL through a NOT VALID check, NOT VALID foreign
 * keys and checks validated in a later file, CREATE INDEX CONCURRENTLY in a no-transaction file,
 * unique constraints attached with USING INDEX, NULLS NOT DISTINCT included), an enum value added,
 * types widened, defaults set, identity and columns added and dropped, a composite key added to
 * a table with nullable columns. Generated with allowUnsafe: the lint's refusals are about locks on
 * large tables, not about the schema the migrations reach. The new enum value is used as a default
 * only one step after it is added: in the same transaction PostgreSQL refuses it (55P04).
 */
export const HISTORY = [
`import { sql } from 'drizzle-orm';
import { check, index, integer, pgEnum, pgTable, serial, text, timestamp, varchar, numeric, boolean, jsonb } from 'drizzle-orm/pg-core';
export const mood = pgEnum('mood', ['sad', 'ok']);
export const parents = pgTable('parents', { id: serial('id').primaryKey(), code: text('code') });
export const things = pgTable('things', {
  id: serial('id').primaryKey(),
  name: text('name'),
  qty: integer('qty').default(1),
  price: numeric('price', { precision: 8, scale: 2 }),
  label: varchar('label', { length: 20 }),
  m: mood('m'),
  parentId: integer('parent_id'),
  old: text('old'),
  flag: boolean('flag'),
}, (t) => [index('things_name_idx').on(t.name)]);`,
`import { sql } from 'drizzle-orm';
import { check, index, integer, pgEnum, pgTable, serial, text, timestamp, varchar, numeric, boolean, jsonb, unique, uniqueIndex } from 'drizzle-orm/pg-core';
export const mood = pgEnum('mood', ['sad', 'ok', 'happy']);
export const parents = pgTable('parents', { id: serial('id').primaryKey(), code: text('code').unique() });
export const things = pgTable('things', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  qty: integer('qty').default(5).notNull(),
  price: numeric('price', { precision: 12, scale: 2 }),
  label: varchar('label', { length: 40 }).default('x'),
  m: mood('m').default('ok'),
  parentId: integer('parent_id').references(() => parents.id, { onDelete: 'cascade' }),
  old: text('old'),
  flag: boolean('flag').default(true).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  meta: jsonb('meta').default({}),
  big: integer('big').generatedByDefaultAsIdentity(),
}, (t) => [
  index('things_name_idx').on(t.name, t.qty),
  uniqueIndex('things_label_uidx').on(t.label).where(sql\`\${t.flag}\`),
  check('things_qty_check', sql\`\${t.qty} > 0\`),
  unique('things_name_label_key').on(t.name, t.label),
]);`,
`import { sql } from 'drizzle-orm';
import { check, index, integer, pgEnum, pgTable, serial, text, timestamp, varchar, numeric, boolean, jsonb, unique, uniqueIndex, primaryKey, foreignKey } from 'drizzle-orm/pg-core';
export const mood = pgEnum('mood', ['sad', 'ok', 'happy']);
export const parents = pgTable('parents', { id: serial('id').primaryKey(), code: text('code').unique(), region: text('region'), n: integer('n') }, (t) => [
  unique('parents_region_n_key').on(t.region, t.n).nullsNotDistinct(),
  index('parents_code_desc_idx').on(t.code.desc().nullsLast()).with({ fillfactor: 80 }),
  index('parents_lower_code_idx').on(sql\`lower(\${t.code})\`).where(sql\`\${t.n} > 0\`),
  index('parents_code_pattern_idx').on(t.code.op('text_pattern_ops')),
]);
export const things = pgTable('things', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  qty: integer('qty').default(5).notNull(),
  price: numeric('price', { precision: 12, scale: 2 }),
  label: varchar('label', { length: 40 }).default('x'),
  m: mood('m').default('happy'),
  parentId: integer('parent_id').references(() => parents.id, { onDelete: 'cascade' }),
  old: text('old'),
  flag: boolean('flag').default(true).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  meta: jsonb('meta').default({}),
  big: integer('big').generatedByDefaultAsIdentity(),
  email: text('email').unique('things_email_key', { nulls: 'not distinct' }),
}, (t) => [
  index('things_name_idx').on(t.name, t.qty),
  uniqueIndex('things_label_uidx').on(t.label).where(sql\`\${t.flag}\`),
  check('things_qty_check', sql\`\${t.qty} > 0\`),
  unique('things_name_label_key').on(t.name, t.label),
  index('things_meta_idx').using('gin', t.meta),
]);
export const links = pgTable('links', { a: integer('a').notNull(), b: integer('b').notNull() });`,
`import { sql } from 'drizzle-orm';
import { check, index, integer, pgEnum, pgTable, serial, text, timestamp, varchar, numeric, boolean, jsonb, unique, uniqueIndex, primaryKey, foreignKey } from 'drizzle-orm/pg-core';
export const mood = pgEnum('mood', ['sad', 'ok', 'happy']);
export const parents = pgTable('parents', { id: serial('id').primaryKey(), code: text('code').unique(), region: text('region'), n: integer('n') }, (t) => [
  unique('parents_region_n_key').on(t.region, t.n).nullsNotDistinct(),
  index('parents_code_desc_idx').on(t.code.desc().nullsLast()).with({ fillfactor: 80 }),
  index('parents_lower_code_idx').on(sql\`lower(\${t.code})\`).where(sql\`\${t.n} > 0\`),
  index('parents_code_pattern_idx').on(t.code.op('text_pattern_ops')),
]);
export const things = pgTable('things', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  qty: integer('qty').default(5).notNull(),
  price: numeric('price', { precision: 12, scale: 2 }),
  label: varchar('label', { length: 40 }).default('x'),
  m: mood('m').default('happy'),
  parentId: integer('parent_id').references(() => parents.id, { onDelete: 'cascade' }),
  flag: boolean('flag').default(true).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  meta: jsonb('meta').default({}),
  big: integer('big').generatedByDefaultAsIdentity(),
  email: text('email').unique('things_email_key', { nulls: 'not distinct' }),
}, (t) => [
  index('things_name_idx').on(t.name, t.qty),
  uniqueIndex('things_label_uidx').on(t.label).where(sql\`\${t.flag}\`),
  check('things_qty_check', sql\`\${t.qty} > 0 AND \${t.qty} < 100000\`),
  unique('things_name_label_key').on(t.name, t.label),
]);
export const links = pgTable('links', { a: integer('a'), b: integer('b'), note: text('note') }, (t) => [primaryKey({ columns: [t.a, t.b] }), foreignKey({ columns: [t.a], foreignColumns: [parents.id] }).onDelete('set null')]);`,
];

/**
 * Names past 63 bytes (table, columns, enum, generated unique, index and key names), sequences
 * (descending, from zero, cycling), identity and serial in another schema, arrays of char, varchar,
 * timestamptz, interval, numeric and uuid with defaults, checks with casts, ANY and jsonb
 * operators, gist with an operator class, a default operator class named explicitly, storage
 * parameters of btree and gin, a text search expression index.
 */
export const LONG_NAMES_AND_MORE = `import { sql } from 'drizzle-orm';
import { bigint, boolean, char, check, foreignKey, index, inet, integer, interval, jsonb, numeric, pgEnum, pgSchema, pgSequence, pgTable, point, primaryKey, serial, text, timestamp, unique, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';

const L = 'a_table_name_that_is_rather_long_for_sure';
export const longEnum = pgEnum('an_enum_name_that_is_quite_long_indeed_for_postgres_identifiers_yz', ['a']);
export const down = pgSequence('countdown', { increment: -1 });
export const zero = pgSequence('from_zero', { startWith: 0, minValue: 0 });
export const big = pgSequence('big_one', { startWith: 5, maxValue: 100, cycle: true, cache: 3 });
export const long = pgTable(L, {
  idOfTheRowWithAVeryLongColumnNameToo: serial('an_id_column_with_a_rather_long_name_as_well_for_good_measure_zz').primaryKey(),
  k: integer('a_key_column_with_a_rather_long_name_as_well_for_good_measure_qq'),
  other: integer('other_column_with_another_long_name'),
  e: longEnum('e'),
}, (t) => [
  unique().on(t.other, t.k),
  index().on(t.k, t.other),
  uniqueIndex('uidx_on_other_and_key_with_a_name_longer_than_sixty_three_bytes_in_all').on(t.k, t.other),
  check(\`\${L}_check\`, sql\`\${t.k} > 0\`),
]);
export const child = pgTable('child_table_with_a_long_name_that_points_at_the_long_one', {
  a: integer('a_column_pointing_at_the_long_table_key_column_for_fk'),
  b: integer('b_column_pointing_at_the_long_table_other_column'),
}, (t) => [
  primaryKey({ columns: [t.a, t.b] }),
  foreignKey({ columns: [t.a, t.b], foreignColumns: [long.other, long.k], name: 'child_long_fk' }),
]);
export const sch = pgSchema('schema_with_identity');
export const sch1 = sch.table('ident', { id: bigint('id', { mode: 'bigint' }).generatedAlwaysAsIdentity({ startWith: 10 }).primaryKey(), s: serial('s') });

export const arr = pgTable('arr', {
  id: integer('id').primaryKey(),
  cs: char('cs', { length: 2 }).array(),
  vs: varchar('vs').array(),
  ts: timestamp('ts', { withTimezone: true, precision: 3 }).array(),
  ivs: interval('ivs').array().default(sql\`'{1 hour}'::interval[]\`),
  nums: numeric('nums', { precision: 10, scale: 2 }).array().default(['1.5']),
  uus: uuid('uus').array().default(sql\`ARRAY[]::uuid[]\`),
  status: varchar('status', { length: 10 }).default('a'),
  ip: inet('ip'),
  pt: point('pt'),
  n: integer('n'),
  doc: jsonb('doc'),
  on: boolean('on').default(false),
  title: text('title'),
}, (t) => [
  check('arr_status_check', sql\`\${t.status} IN ('a', 'b')\`),
  check('arr_status2_check', sql\`\${t.status}::text = ANY (ARRAY['a', 'b', 'c'])\`),
  check('arr_doc_check', sql\`\${t.doc} ? 'k' OR \${t.doc} @> '{"a": 1}'\`),
  check('arr_nums_check', sql\`cardinality(\${t.nums}) < 10\`),
  index('arr_ip_gist_idx').using('gist', t.ip.op('inet_ops')),
  index('arr_pt_gist_idx').using('gist', t.pt),
  index('arr_n_ops_idx').on(t.n.op('int4_ops')),
  index('arr_dedup_idx').on(t.n).with({ deduplicate_items: false }),
  index('arr_gin_fast_idx').using('gin', t.doc).with({ fastupdate: false, gin_pending_list_limit: 128 }),
  index('arr_tsv_idx').using('gin', sql\`to_tsvector('english', \${t.title})\`),
  index('arr_status_part_idx').on(t.n).where(sql\`\${t.status} IN ('a', 'b') AND \${t.on}\`),
  uniqueIndex('arr_lower_title_uidx').on(sql\`lower(\${t.title})\`, t.n.desc()),
  index('arr_coalesce_idx').on(sql\`coalesce(\${t.n}, 0)\`, sql\`(\${t.doc} -> 'x')\`),
]);`;
