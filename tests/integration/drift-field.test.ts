/**
 * Drift on schemas as real drizzle-kit projects leave them, on a real server: foreign key names
 * over 63 bytes (PostgreSQL keeps 63, cut on a character boundary), an enum whose values were
 * added with ADD VALUE ... AFTER, drizzle's tracking table in `public` (default or custom name),
 * an index a hand-edited migration created that the models never describe, and the committed
 * list of accepted differences that lets such a project deploy. The history is synthetic, written
 * in the shape drizzle-kit writes.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deploy } from '../../packages/dbship/src/migrator/deploy.js';
import { detectDrift, failingDifferences } from '../../packages/dbship/src/migrator/drift/index.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeProject, NOW } from '../helpers/generate-fixture.js';
import { cliEnv, runCliProcess, writeMigrations } from '../helpers/migrations.js';

const ORGS = 'organizations_with_a_rather_long_descriptive_name';
const FK_ASCII = `memberships_organization_id_${ORGS}_id_fk`;
/** 12 bytes + 26 two-byte letters + `_fk`: 67 bytes, stored as 62 (half a letter is never kept). */
const FK_MULTIBYTE = `zamówienia_${'ż'.repeat(26)}_fk`;

const SQL = `CREATE TYPE "public"."priority" AS ENUM('low', 'high');--> statement-breakpoint
ALTER TYPE "public"."priority" ADD VALUE 'medium' AFTER 'high';--> statement-breakpoint
CREATE TABLE "${ORGS}" ("id" serial PRIMARY KEY NOT NULL, "level" "priority" DEFAULT 'low');--> statement-breakpoint
CREATE TABLE "memberships" ("id" serial PRIMARY KEY NOT NULL, "organization_id" integer NOT NULL, "settings" json DEFAULT '{"a": 1}'::json);--> statement-breakpoint
CREATE INDEX "memberships_org_desc_idx" ON "memberships" USING btree ("organization_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "memberships_cover_idx" ON "memberships" USING btree ("organization_id","id") INCLUDE ("settings");--> statement-breakpoint
CREATE TABLE "zamówienia" ("id" serial PRIMARY KEY NOT NULL, "membership_id" integer);--> statement-breakpoint
CREATE TABLE "store_notes" ("store_id" integer NOT NULL, "week" integer NOT NULL, CONSTRAINT "store_notes_store_id_week_pk" PRIMARY KEY("store_id","week"), CONSTRAINT "store_notes_store_id_week_unique" UNIQUE("store_id","week"));--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "${FK_ASCII}" FOREIGN KEY ("organization_id") REFERENCES "public"."${ORGS}"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "zamówienia" ADD CONSTRAINT "${FK_MULTIBYTE}" FOREIGN KEY ("membership_id") REFERENCES "public"."memberships"("id") ON DELETE no action ON UPDATE no action;
`;

const serialId = { name: 'id', type: 'serial', primaryKey: true, notNull: true };
const fk = (name: string, from: string, to: string, columnsFrom: string[], onDelete: string) =>
  ({ [name]: { name, tableFrom: from, tableTo: to, schemaTo: 'public', columnsFrom, columnsTo: ['id'], onDelete, onUpdate: 'no action' } });
const table = (name: string, columns: Record<string, object>, foreignKeys = {}) =>
  ({ [`public.${name}`]: { name, schema: '', columns: { id: serialId, ...columns }, indexes: {}, foreignKeys, compositePrimaryKeys: {}, uniqueConstraints: {}, checkConstraints: {} } });

const withIndex = (t: Record<string, { indexes: object }>, ...indexes: ({ name: string } & Record<string, unknown>)[]) => {
  for (const v of Object.values(t)) v.indexes = Object.fromEntries(indexes.map((i) => [i.name, i]));
  return t;
};

/** The snapshot drizzle-kit writes for these models: full names, enum values in declaration order. */
const SNAPSHOT = {
  id: '00000000-0000-4000-8000-000000000001', prevId: '00000000-0000-0000-0000-000000000000', version: '7', dialect: 'postgresql',
  tables: {
    ...table(ORGS, { level: { name: 'level', type: 'priority', typeSchema: 'public', primaryKey: false, notNull: false, default: "'low'" } }),
    ...withIndex(table('memberships', {
      organization_id: { name: 'organization_id', type: 'integer', primaryKey: false, notNull: true },
      // drizzle-kit writes a json default without the cast the server shows.
      settings: { name: 'settings', type: 'json', primaryKey: false, notNull: false, default: `'{"a": 1}'` },
    }, fk(FK_ASCII, 'memberships', ORGS, ['organization_id'], 'cascade')), {
      // A column with a sort order, written in the models as sql`"organization_id" DESC NULLS LAST`.
      name: 'memberships_org_desc_idx', isUnique: false, method: 'btree', with: {}, concurrently: false,
      columns: [{ expression: '"organization_id" DESC NULLS LAST', isExpression: true, asc: true, nulls: 'last' }],
    }, {
      // INCLUDE, which drizzle cannot express, injected through the last key's SQL.
      name: 'memberships_cover_idx', isUnique: false, method: 'btree', with: {}, concurrently: false,
      columns: [{ expression: 'organization_id', isExpression: false, asc: true, nulls: 'last' }, { expression: '"id") INCLUDE ("settings"', isExpression: true, asc: true, nulls: 'last' }],
    }),
    'public.store_notes': {
      name: 'store_notes', schema: '', indexes: {}, foreignKeys: {}, checkConstraints: {},
      columns: { store_id: { name: 'store_id', type: 'integer', primaryKey: false, notNull: true }, week: { name: 'week', type: 'integer', primaryKey: false, notNull: true } },
      compositePrimaryKeys: { store_notes_store_id_week_pk: { name: 'store_notes_store_id_week_pk', columns: ['store_id', 'week'] } },
      uniqueConstraints: { store_notes_store_id_week_unique: { name: 'store_notes_store_id_week_unique', nullsNotDistinct: false, columns: ['store_id', 'week'] } },
    },
    ...table('zamówienia', { membership_id: { name: 'membership_id', type: 'integer', primaryKey: false, notNull: false } }, fk(FK_MULTIBYTE, 'zamówienia', 'memberships', ['membership_id'], 'no action')),
  },
  enums: { 'public.priority': { name: 'priority', schema: 'public', values: ['low', 'medium', 'high'] } },
  schemas: {}, sequences: {}, roles: {}, policies: {}, views: {},
  _meta: { columns: {}, schemas: {}, tables: {} },
};

describe('drift on a schema drizzle-kit and a real history leave', () => {
  let db: TestDatabase;
  let dir: string;
  before(async () => {
    db = await createTestDatabase('drift_field');
    dir = writeMigrations([{ name: 'init', sql: SQL }]);
    writeFileSync(path.join(dir, 'meta', '0000_snapshot.json'), JSON.stringify(SNAPSHOT, null, 2));
    await deploy(testConfig(db, dir), { drift: 'off' });
  });
  after(async () => db.drop());

  it('stores the long names cut to 63 bytes on a character boundary (the premise)', async () => {
    const { rows } = await db.query<{ conname: string }>("SELECT conname FROM pg_constraint WHERE contype = 'f' ORDER BY conname");
    assert.deepEqual(rows.map((r) => Buffer.byteLength(r.conname)), [63, 62]);
  });

  it('a UNIQUE on exactly the primary key columns is folded into the key by the server (the premise)', async () => {
    const { rows } = await db.query("SELECT conname FROM pg_constraint WHERE conrelid = 'store_notes'::regclass");
    assert.deepEqual(rows.map((r) => r.conname), ['store_notes_store_id_week_pk']);
  });

  it('reports neither long foreign key as missing and extra, nor the folded unique, nor the json default and the index column written as SQL, and the enum order only as a warning (exit 0)', async () => {
    const report = await detectDrift(testConfig(db, dir));
    assert.deepEqual(report.differences.map((d) => `${d.severity} ${d.kind} ${d.object}`), ['warning enum-order public.priority']);
    assert.match(report.differences[0]!.message, /\('low', 'high', 'medium'\) in the database, \('low', 'medium', 'high'\) in the models .*ADD VALUE \.\.\. BEFORE\/AFTER/);
    assert.deepEqual(failingDifferences(report), []);
    const cli = await runCliProcess(['drift'], cliEnv(db.url, dir));
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^warning: enum public\.priority has the values of the models in another order/);
  });

  it("ignores drizzle's tracking table in public, under its default name or a custom one", async () => {
    await db.query('CREATE TABLE public.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)');
    await db.query('CREATE SCHEMA drizzle_custom; CREATE TABLE public.app_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)');
    try {
      const report = await detectDrift(testConfig(db, dir));
      assert.deepEqual(failingDifferences(report), []);
    } finally {
      await db.query('DROP TABLE public.__drizzle_migrations, public.app_migrations; DROP SCHEMA drizzle_custom');
    }
  });

  it('an INCLUDE column the models do not declare is a difference', async () => {
    await db.query('DROP INDEX memberships_cover_idx; CREATE INDEX memberships_cover_idx ON memberships (organization_id, id) INCLUDE (settings, organization_id)');
    try {
      const [d] = failingDifferences(await detectDrift(testConfig(db, dir)));
      assert.match(d?.message ?? '', /index memberships_cover_idx on public\.memberships is btree \(organization_id, id\) INCLUDE \(settings, organization_id\) in the database, btree \(organization_id, id\) INCLUDE \(settings\) in the models/);
    } finally {
      await db.query('DROP INDEX memberships_cover_idx; CREATE INDEX memberships_cover_idx ON memberships (organization_id, id) INCLUDE (settings)');
    }
  });

  it('a table of another shape is still reported', async () => {
    await db.query('CREATE TABLE public.app_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at timestamptz)');
    try {
      assert.deepEqual(failingDifferences(await detectDrift(testConfig(db, dir))).map((d) => d.object), ['public.app_migrations']);
    } finally {
      await db.query('DROP TABLE public.app_migrations');
    }
  });

  it('accepts reviewed differences: deploy then fails only on new ones, and a stale entry is reported until removed', async () => {
    const env = cliEnv(db.url, dir);
    const list = path.join(dir, 'dbship-drift-accepted.json');
    // What a hand-edited migration left: an index the models never describe.
    await db.query('CREATE INDEX memberships_org_idx ON memberships (organization_id)');
    let cli = await runCliProcess(['drift'], env);
    assert.equal(cli.code, 6, cli.stderr);
    await assert.rejects(deploy(testConfig(db, dir)), { code: 'PROBLEMS_FOUND' });

    cli = await runCliProcess(['drift', '--accept'], env);
    assert.equal(cli.code, 2, 'a reason is required');
    assert.match(cli.stderr, /without a reason/);
    assert.ok(!existsSync(list));

    cli = await runCliProcess(['drift', '--accept', '--reason', 'created by a hand-edited 0000; enum order from ADD VALUE AFTER'], env);
    assert.equal(cli.code, 0, cli.stderr);
    const written = JSON.parse(readFileSync(list, 'utf8')) as { accepted: { kind: string; object: string; reason: string }[] };
    assert.deepEqual(written.accepted.map((e) => `${e.kind} ${e.object}`), ['enum-order public.priority', 'extra-index public.memberships.memberships_org_idx']);
    assert.ok(written.accepted.every((e) => e.reason.startsWith('created by a hand-edited')));

    cli = await runCliProcess(['drift'], env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout, 'No drift\n');
    assert.match(cli.stderr, /2 more accepted by .*dbship-drift-accepted\.json/);
    const deployed = await deploy(testConfig(db, dir));
    assert.equal(deployed.drift?.accepted.length, 2);

    // The accepted index changes: that is a new difference, and the old entry no longer matches.
    await db.query('DROP INDEX memberships_org_idx; CREATE INDEX memberships_org_idx ON memberships (organization_id, id)');
    cli = await runCliProcess(['drift'], env);
    assert.equal(cli.code, 6, cli.stderr);
    assert.match(cli.stderr, /accepts "extra-index public\.memberships\.memberships_org_idx", which no longer differs/);

    // Gone altogether: drift passes and says the entry can go; --accept drops it without a new reason.
    await db.query('DROP INDEX memberships_org_idx');
    cli = await runCliProcess(['drift'], env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stderr, /no longer differs: run `dbship drift --accept`/);
    cli = await runCliProcess(['drift', '--accept'], env);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /removed \(no longer differs\): extra-index public\.memberships\.memberships_org_idx/);
    assert.deepEqual((JSON.parse(readFileSync(list, 'utf8')) as { accepted: unknown[] }).accepted.length, 1);
  });

  it('a broken accepted list stops drift with exit 5 and says how to recover', async () => {
    const list = path.join(dir, 'dbship-drift-accepted.json');
    const kept = existsSync(list) ? readFileSync(list, 'utf8') : null;
    writeFileSync(list, '{"accepted": [{"kind": "extra-index", "object": "x", "expected": null, "actual": "btree (a)"}]}');
    try {
      const cli = await runCliProcess(['drift'], cliEnv(db.url, dir));
      assert.equal(cli.code, 5, cli.stderr);
      assert.match(cli.stderr, /has an entry without a reason/);
    } finally {
      if (kept !== null) writeFileSync(list, kept);
    }
  });
});

describe('regression: a composite primary key over columns the models leave nullable is not drift', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('drift_composite_pk')));
  after(async () => db.drop());

  it('deploys and reports no drift: PostgreSQL makes key columns NOT NULL, the snapshot does not say so', async () => {
    // drizzle-kit writes the columns without NOT NULL and the key as a table constraint; the server
    // sets NOT NULL on both. deploy failed here with exit 6 ("NOT NULL in the database, nullable in the models").
    const p = makeProject({ history: false });
    await generate({ dir: p.dir, name: 'init', now: NOW, schemaPath: p.models(`import { integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
export const postTags = pgTable('post_tags', { postId: integer('post_id'), tag: text('tag'), note: text('note') }, (t) => [primaryKey({ columns: [t.postId, t.tag] })]);`) });
    assert.match(readFileSync(path.join(p.dir, '0000_init.sql'), 'utf8'), /"post_id" integer,\n/);
    const deployed = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
    assert.equal(deployed.code, 0, deployed.stderr);
    const drift = await runCliProcess(['drift'], cliEnv(db.url, p.dir));
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    // A real difference on such a column is still found.
    await db.query('ALTER TABLE post_tags ALTER COLUMN note SET NOT NULL');
    const changed = await runCliProcess(['drift'], cliEnv(db.url, p.dir));
    assert.equal(changed.code, 6, changed.stderr);
    assert.match(changed.stdout + changed.stderr, /column public\.post_tags\.note is NOT NULL in the database, nullable in the models/);
  });
});
