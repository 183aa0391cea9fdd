/**
 * Migration folders as long-lived drizzle-kit projects have them, each pattern written here in
 * miniature (synthetic: no project's files): a hole in the journal's idx, left when an entry is
 * removed after the next one was generated (`drizzle-kit drop`, or by hand), and a statement that
 * ends at `--> statement-breakpoint` without `;`. drizzle-orm's migrator runs both, so dbship must,
 * with its protections kept: a removed migration that a database applied still refuses.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { check } from '../../packages/dbship/src/migrator/generate/check.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { init } from '../../packages/dbship/src/migrator/generate/init.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { drizzleKitHistory } from '../helpers/drizzle-kit-history.js';
import type { Project } from '../helpers/generate-fixture.js';
import { cliEnv, collect, ROOT, runCliProcess, tempDir, writeMigrations } from '../helpers/migrations.js';

const IMPORTS = "import { integer, pgTable, text } from 'drizzle-orm/pg-core';";
const USERS = `${IMPORTS}
export const users = pgTable('users', { id: integer('id').primaryKey(), name: text('name') });`;
const WITH_TAGS = `${USERS}
export const tags = pgTable('tags', { id: integer('id').primaryKey(), label: text('label').notNull() });`;
const WITH_TAG_COLOR = WITH_TAGS.replace("label: text('label').notNull() })", "label: text('label').notNull(), color: text('color') })");

/** Runs drizzle-orm's own migrator on `url`, as the project itself would. */
async function drizzleMigrate(url: string, folder: string): Promise<void> {
  const require = createRequire(path.join(ROOT, 'package.json'));
  const { drizzle } = require('drizzle-orm/node-postgres') as { drizzle: (pool: pg.Pool) => unknown };
  const { migrate } = require('drizzle-orm/node-postgres/migrator') as { migrate: (db: unknown, o: { migrationsFolder: string }) => Promise<void> };
  const { Pool } = require('pg') as typeof pg;
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    await migrate(drizzle(pool), { migrationsFolder: folder });
  } finally {
    await pool.end();
  }
}

async function tables(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.query<{ t: string }>("SELECT table_name || '(' || string_agg(column_name, ',' ORDER BY column_name) || ')' AS t FROM information_schema.columns WHERE table_schema = 'public' GROUP BY table_name ORDER BY 1");
  return rows.map((r) => r.t);
}

describe('a hole in the journal idx (an entry removed after the next one was generated)', () => {
  const dbs: TestDatabase[] = [];
  const fresh = async (label: string) => {
    const db = await createTestDatabase(label);
    dbs.push(db);
    return db;
  };
  after(async () => Promise.all(dbs.map((d) => d.drop())));

  let dir: string;
  let full: string;
  let models: string;
  let project: Project;
  before(() => {
    // drizzle-kit writes users (0), a hand-written seed (1) and tags (2); the seed is then removed
    // as `drizzle-kit drop` removes it: its .sql, its snapshot and its journal entry.
    project = drizzleKitHistory([
      { name: 'users', models: USERS },
      { name: 'seed', custom: "INSERT INTO users VALUES (1, 'first');" },
      { name: 'tags', models: WITH_TAGS },
    ]);
    full = tempDir('dbship-full-');
    cpSync(project.dir, full, { recursive: true });
    dir = project.dir;
    models = project.models(WITH_TAGS);
    const journalFile = path.join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number; tag: string }[] };
    const removed = journal.entries[1]!;
    rmSync(path.join(dir, `${removed.tag}.sql`));
    rmSync(path.join(dir, 'meta', '0001_snapshot.json'));
    journal.entries.splice(1, 1);
    writeFileSync(journalFile, JSON.stringify(journal, null, 2));
    assert.deepEqual(journal.entries.map((e) => e.idx), [0, 2], 'the premise: idx 0, 2');
  });

  it('regression: upgrade and deploy follow the journal entries (exit 0), building what drizzle-orm builds', async () => {
    const db = await fresh('hole_upgrade');
    const up = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /Upgraded: 2 migration\(s\)/);
    const { rows } = await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY seq');
    assert.deepEqual(rows.map((r) => r.name.replace(/_.*/, '')), ['0000', '0002']);
    assert.doesNotMatch(up.stderr, /idx|hole/, 'no warning on upgrade: the hole is no problem');

    const viaDrizzle = await fresh('hole_drizzle');
    await drizzleMigrate(viaDrizzle.url, dir);
    assert.deepEqual(await tables(db), await tables(viaDrizzle));
    assert.deepEqual(await tables(db), ['tags(id,label)', 'users(id,name)']);

    const deployDb = await fresh('hole_deploy');
    const deploy = await runCliProcess(['deploy'], cliEnv(deployDb.url, dir));
    assert.equal(deploy.code, 0, deploy.stderr);
  });

  it('status and check mention the hole as a note, and check finds no chain problem in it', async () => {
    const db = await fresh('hole_status');
    assert.equal((await runCliProcess(['upgrade'], cliEnv(db.url, dir))).code, 0);
    const status = await runCliProcess(['status', '--exit-code'], cliEnv(db.url, dir));
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stderr, /note: the journal has no entry with idx 1 between 0000_\w+ and 0002_\w+ \(removed from the history\)/);
    const report = await check({ dir, schemaPath: models });
    assert.equal(report.notes.length, 1);
    // drizzle-kit's history has no down files; everything else is sound.
    assert.deepEqual([...new Set(report.problems.map((p) => p.kind))], ['down-missing']);
  });

  it('a database that applied the removed migration still refuses (exit 5, MISSING_FILE)', async () => {
    const db = await fresh('hole_applied');
    assert.equal((await runCliProcess(['upgrade'], cliEnv(db.url, full))).code, 0);
    const r = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /error\[MISSING_FILE\]: applied migration "0001_seed" is missing from this build/);
  });

  it('init does not reverse across the hole, and generate numbers the next migration after the last idx', async () => {
    const copy = path.join(project.root, 'copy');
    cpSync(dir, copy, { recursive: true });
    const report = await init({ dir: copy, strict: false });
    const after = report.entries.find((e) => e.tag.startsWith('0002_'))!;
    assert.equal(after.outcome, 'skipped');
    assert.match(after.reason ?? '', /follows an entry removed from the journal \(idx 1\)/);
    const result = await generate({ dir: copy, name: 'tag_color', schemaPath: project.models(WITH_TAG_COLOR), now: () => 1_900_000_000_000 });
    assert.equal(result.status, 'written');
    assert.match(result.migrations[0]!.tag, /^0003_tag_color$/);
    const journal = JSON.parse(readFileSync(path.join(copy, 'meta', '_journal.json'), 'utf8')) as { entries: { idx: number }[] };
    assert.deepEqual(journal.entries.map((e) => e.idx), [0, 2, 3]);
  });
});

describe('a statement without ; right before --> statement-breakpoint', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('breakpoint_semicolon')));
  after(async () => db.drop());

  const TABLE = 'CREATE TABLE items (id int, note text);\n';
  const RUNS = "INSERT INTO items VALUES (1, 'é😀')\n--> statement-breakpoint\nUPDATE items SET note = 'ü' WHERE note IS NULL\n--> statement-breakpoint\nALTER TABLE items ADD CONSTRAINT items_note_check CHECK (note <> '');\n";
  const BROKEN = "SELECT 'ñandú'\n--> statement-breakpoint\nSELECT 1,\n  FROM items;\n";

  it('regression: upgrade runs each piece as drizzle-orm sends it (exit 0), and lint reads the file the same way', async () => {
    const dir = writeMigrations([{ name: 'items', sql: TABLE }, { name: 'fill', sql: RUNS }]);
    const up = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /Upgraded: 2 migration\(s\)/);
    assert.equal((await db.query('SELECT count(*)::int AS n FROM items')).rows[0]!.n, 1);
    const lint = await runCliProcess(['lint', '--json'], cliEnv(db.url, dir));
    const findings = (JSON.parse(lint.stdout) as { findings: { rule: string; line: number; column: number }[] }).findings;
    // Positions after multi-byte text in an earlier piece are those of the file (no syntax error).
    assert.deepEqual(findings.map((f) => `${f.rule}@${f.line}:${f.column}`), ['mixed-ddl-and-data@1:1', 'mixed-ddl-and-data@3:1', 'constraint-without-not-valid@5:23']);
  });

  it('a syntax error in a later piece points at its line and column in the file, in upgrade and lint alike', async () => {
    const dir = writeMigrations([{ name: 'broken', sql: BROKEN }]);
    const other = await createTestDatabase('breakpoint_broken');
    const up = await runCliProcess(['upgrade'], cliEnv(other.url, dir)).finally(() => other.drop());
    assert.equal(up.code, 1, up.stderr);
    assert.match(up.stderr, /0000_broken is not valid SQL: syntax error at or near "FROM"/);
    assert.match(up.stderr, /at \S*0000_broken\.sql:4:3\n\s*\|   FROM items;\n\s*\|   \^/);
    const lint = await runCliProcess(['lint', '--json'], cliEnv(db.url, dir));
    const findings = (JSON.parse(lint.stdout) as { findings: { rule: string; line: number; column: number }[] }).findings;
    assert.deepEqual(findings.map((f) => `${f.rule}@${f.line}:${f.column}`), ['syntax-error@4:3']);
  });
});

describe('a history written for a role named like its schema (unqualified names, "$user" in search_path)', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('user_schema')));
  after(async () => db.drop());

  const SCHEMA = 'CREATE SCHEMA "acme";\n--> statement-breakpoint\nCREATE TYPE "acme"."size" AS ENUM(\'s\', \'m\');\n';
  // The older drizzle-kit shape: the enum created inside a DO block, used unqualified right after.
  const IN_FILE = 'DO $$ BEGIN\n CREATE TYPE "acme"."mood" AS ENUM(\'ok\', \'meh\');\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;\n--> statement-breakpoint\nCREATE TABLE "acme"."notes" (\n\t"id" integer PRIMARY KEY,\n\t"mood" "mood" NOT NULL\n);\n';
  const EARLIER = 'ALTER TABLE "acme"."notes" ADD COLUMN "size" "size";\n';

  it('the failure names the schema that has the object and the setting that makes the history apply', async () => {
    const dir = writeMigrations([{ name: 'schema', sql: SCHEMA }, { name: 'notes', sql: IN_FILE }, { name: 'size', sql: EARLIER }]);
    const first = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(first.code, 1, first.stderr);
    assert.match(first.stderr, /migration 0001_notes failed: type "mood" does not exist/);
    assert.match(first.stderr, /"mood" exists in schema acme, which is not on the search_path migrations run with \(public\)/);
    assert.match(first.stderr, /fix: set MIGRATE_SEARCH_PATH=acme,public/);

    // An object of an earlier migration is found in the catalog.
    const notesQualified = writeMigrations([{ name: 'schema', sql: SCHEMA }, { name: 'notes', sql: IN_FILE.replace('"mood" "mood"', '"mood" "acme"."mood"') }, { name: 'size', sql: EARLIER }]);
    const second = await runCliProcess(['upgrade'], cliEnv(db.url, notesQualified));
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, /migration 0002_size failed: type "size" does not exist/);
    assert.match(second.stderr, /"size" exists in schema acme/);

    const fixed = await runCliProcess(['upgrade'], cliEnv(db.url, notesQualified, { MIGRATE_SEARCH_PATH: 'acme,public' }));
    assert.equal(fixed.code, 0, fixed.stderr);
  });
});

describe('a migration of comments only (SQL commented out by hand, kept in the history)', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('comment_only')));
  after(async () => db.drop());

  it('regression: changes nothing, is recorded as drizzle-orm records it, and the run says so (exit 0)', async () => {
    const disabled = '-- Kept commented: the table was moved by hand before this ran\n-- ALTER TABLE "public"."rows" SET SCHEMA "app";\n-- COMMIT;\n-- --> statement-breakpoint\n-- DELETE FROM rows;\n/* a block comment too */\n';
    const dir = writeMigrations([{ name: 'rows', sql: 'CREATE TABLE rows (id int);\n' }, { name: 'disabled', sql: disabled }, { name: 'more', sql: 'ALTER TABLE rows ADD COLUMN note text;\n' }]);
    const r = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Upgraded: 3 migration\(s\)/);
    assert.match(r.stderr, /warning: 0001_disabled holds only comments: it changes nothing and is recorded as applied, as drizzle-orm's migrator records it/);
    const viaDrizzle = await createTestDatabase('comment_only_drizzle');
    try {
      await drizzleMigrate(viaDrizzle.url, dir);
      assert.deepEqual(await tables(db), await tables(viaDrizzle));
    } finally {
      await viaDrizzle.drop();
    }
  });
});

describe("adopting a database drizzle-orm migrated, with the tracking table the project's drizzle.config names", () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('config_table')));
  after(async () => db.drop());

  it('baseline, run from the project without flags, reads public.migrations from drizzle.config (exit 0)', async () => {
    const root = tempDir('dbship-config-table-');
    writeFileSync(path.join(root, 'package.json'), '{"name":"adopter","private":true,"type":"module"}\n');
    writeFileSync(path.join(root, 'drizzle.config.ts'), "export default { dialect: 'postgresql', schema: './schema.ts', out: './drizzle', migrations: { table: 'migrations', schema: 'public' } };\n");
    const dir = writeMigrations([{ name: 'items', sql: 'CREATE TABLE items (id int);\n' }, { name: 'more', sql: 'ALTER TABLE items ADD COLUMN note text;\n' }], path.join(root, 'drizzle'));
    const require = createRequire(path.join(ROOT, 'package.json'));
    const { drizzle } = require('drizzle-orm/node-postgres') as { drizzle: (pool: pg.Pool) => unknown };
    const { migrate } = require('drizzle-orm/node-postgres/migrator') as { migrate: (d: unknown, o: object) => Promise<void> };
    const { Pool } = require('pg') as typeof pg;
    const pool = new Pool({ connectionString: db.url, max: 1 });
    await migrate(drizzle(pool), { migrationsFolder: dir, migrationsTable: 'migrations', migrationsSchema: 'public' }).finally(() => pool.end());

    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, LOG_LEVEL: 'info', HOSTNAME: 'test-runner' };
    const inProject = (args: string[]) => collect(spawn(process.execPath, ['--import', path.join(ROOT, 'node_modules/tsx/dist/esm/index.mjs'), path.join(ROOT, 'packages/dbship/src/cli/main.ts'), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const baseline = await inProject(['baseline']);
    assert.equal(baseline.code, 0, baseline.stderr);
    assert.match(baseline.stderr, /read 2 row\(s\) from public\.migrations: every one matches a migration of this build/);
    assert.match(baseline.stdout, /Baseline: 2 migration\(s\) recorded as applied/);
    const status = await inProject(['status', '--exit-code']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stderr, /2 applied, 0 pending/);
  });
});
