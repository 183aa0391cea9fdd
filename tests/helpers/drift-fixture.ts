import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import {
  bigint, bigserial, boolean, char, check, date, doublePrecision, foreignKey, index, inet, integer, interval, json, jsonb,
  numeric, pgEnum, pgSchema, pgSequence, pgTable, primaryKey, real, serial, smallint, text, time, timestamp, unique,
  uniqueIndex, uuid, varchar,
} from 'drizzle-orm/pg-core';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import type { TestDatabase } from './db.js';
import { writeMigrations } from './migrations.js';

/**
 * Models for the drift tests and a history generated from them with drizzle-kit's API, exactly as
 * `dbship generate` would: one snapshot per migration in `meta/`, the SQL drizzle-kit writes.
 * The history covers what drift must read without false positives: every common column type,
 * defaults of each kind, identity and serial, composite keys, foreign keys across schemas,
 * expression, partial, descending and GIN indexes, checks, enums and sequences.
 */

const usersColumns = {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  email: text('email').notNull().unique(),
  name: text('name'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
};

const init = { users: pgTable('users', usersColumns) };

const usersWithBio = pgTable('users', { ...usersColumns, bio: text('bio'), handle: text('handle') }, (t) => [
  index('users_name_idx').on(t.name),
  uniqueIndex('users_handle_key').on(t.handle),
]);

const mood = pgEnum('mood', ['sad', 'ok', 'happy']);
const app = pgSchema('app');
const status = app.enum('status', ['a', 'b']);
const counter = pgSequence('counter_seq', { startWith: 10, increment: 2 });

const orgs = pgTable('orgs', {
  id: serial('id').primaryKey(),
  name: varchar('name', { length: 100 }).notNull().default('x'),
  tags: text('tags').array().default(['a', 'b c']),
  scores: integer('scores').array().array().default(sql`'{}'::integer[]`),
  amount: numeric('amount', { precision: 10, scale: 2 }).default('1.5'),
  active: boolean('active').default(false),
  meta: jsonb('meta').default({ a: 1, b: [true, null] }),
  extra: json('extra').default([1, 'x']),
  mood: mood('mood').default('ok'),
  uid: uuid('uid').defaultRandom(),
  code: char('code', { length: 3 }),
  ratio: doublePrecision('ratio').default(1.5),
  weight: real('weight').default(0.1),
  day: date('day', { mode: 'string' }).default('2024-01-02'),
  at: time('at', { precision: 3 }),
  span: interval('span').default('1 day'),
  stamp: timestamp('stamp', { precision: 3, mode: 'string' }).default('2020-01-01 00:00:00'),
  stampTz: timestamp('stamp_tz', { withTimezone: true, precision: 6 }).default(sql`(now() + interval '1 day')`),
  label: varchar('label'),
  small: smallint('small').default(-1),
  big: bigserial('big', { mode: 'number' }),
  ip: inet('ip'),
  quote: text('quote').default("it's"),
  kind: text('kind', { enum: ['a', 'b'] }).default('a'),
  counted: bigint('counted', { mode: 'number' }).default(sql`nextval('counter_seq')`),
  lo: integer('lo'),
  hi: integer('hi'),
}, (t) => [
  index('orgs_name_idx').on(t.name.desc(), t.amount),
  uniqueIndex('orgs_lower_name').using('btree', sql`lower(${t.name})`),
  index('orgs_partial').on(t.lo).where(sql`${t.active} = true and ${t.kind} in ('a')`),
  index('orgs_meta_gin').using('gin', t.meta),
  index('orgs_expr').on(sql`(${t.lo} + 1)`),
  check('orgs_amount_positive', sql`${t.amount} > 0`),
  check('orgs_kind_known', sql`${t.kind} in ('a', 'b')`),
  check('orgs_lo_range', sql`${t.lo} between 1 and 10`),
  check('orgs_label_like', sql`${t.label} like '%x%' and char_length(${t.name}) <= 100 and ${t.label} <> ''`),
  check('orgs_order', sql`${t.lo} < ${t.hi} OR ${t.hi} IS NULL`),
  unique('orgs_code_ratio').on(t.code, t.ratio).nullsNotDistinct(),
]);

const members = app.table('members', {
  orgId: integer('org_id').notNull(),
  userId: integer('user_id').notNull(),
  status: status('status'),
  role: text('role').notNull(),
}, (t) => [
  primaryKey({ columns: [t.orgId, t.userId] }),
  foreignKey({ columns: [t.orgId], foreignColumns: [orgs.id] }).onDelete('cascade').onUpdate('set null'),
]);

const refs = pgTable('refs', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity({ startWith: 5 }),
  orgId: integer('org_id').references(() => orgs.id, { onDelete: 'restrict' }),
});

/** The fixture history: users, then bio / handle / two indexes, then everything else. */
export const FIXTURE_HISTORY: readonly { name: string; models: Record<string, unknown> }[] = [
  { name: 'init', models: init },
  { name: 'add_user_bio', models: { users: usersWithBio } },
  { name: 'catalog_coverage', models: { users: usersWithBio, mood, app, status, counter, orgs, members, refs } },
];

export interface GeneratedHistory {
  /** The migrations folder: journal, `NNNN_name.sql`, `meta/NNNN_snapshot.json`. */
  readonly dir: string;
  readonly names: string[];
  /** Statements of each migration, in order. */
  readonly statements: string[][];
}

/** Generates the migrations folder for `steps` with drizzle-kit's API (loaded lazily: it is large). */
export async function generateHistory(steps = FIXTURE_HISTORY): Promise<GeneratedHistory> {
  const { generateDrizzleJson, generateMigration } = await import('drizzle-kit/api');
  let previous = generateDrizzleJson({});
  const snapshots: unknown[] = [];
  const statements: string[][] = [];
  for (const step of steps) {
    const snapshot = generateDrizzleJson(step.models, previous.id);
    statements.push(await generateMigration(previous, snapshot));
    snapshots.push(snapshot);
    previous = snapshot;
  }
  const dir = writeMigrations(steps.map((s, i) => ({ name: s.name, sql: statements[i]!.join('\n--> statement-breakpoint\n') })));
  mkdirSync(path.join(dir, 'meta'), { recursive: true });
  snapshots.forEach((s, i) => writeFileSync(path.join(dir, 'meta', `${String(i).padStart(4, '0')}_snapshot.json`), JSON.stringify(s, null, 2)));
  const names = steps.map((s, i) => `${String(i).padStart(4, '0')}_${s.name}`);
  return { dir, names, statements };
}

/** Applies generated statements with a plain client, in order (no engine, no tracking table). */
export async function applyStatements(db: TestDatabase, statements: readonly string[][]): Promise<void> {
  const client = new pg.Client(clientConfig(db.connection, 'dbship-tests'));
  await client.connect();
  try {
    for (const s of statements.flat()) await client.query(s);
  } finally {
    await client.end();
  }
}
