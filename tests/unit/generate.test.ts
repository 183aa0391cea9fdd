import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DbshipError } from '../../packages/dbship/src/errors.js';
import { loadMigrations } from '../../packages/dbship/src/migrator/folder/files.js';
import { readJournal } from '../../packages/dbship/src/migrator/folder/journal.js';
import { check } from '../../packages/dbship/src/migrator/generate/check.js';
import { CUSTOM_HEADER, generate, validateMigrationName } from '../../packages/dbship/src/migrator/generate/index.js';
import { constraintName } from '../../packages/dbship/src/migrator/generate/safe-forms.js';
import { ORIGIN_ID, readSnapshot } from '../../packages/dbship/src/migrator/folder/snapshot.js';
import { ROOT, spawnCli, collect } from '../helpers/migrations.js';
import { makeProject, NOW, POSTS, usersModel, type Project } from '../helpers/generate-fixture.js';

function run(project: Project, name: string, models: string, extra: { custom?: boolean; allowUnsafe?: boolean } = {}) {
  return generate({ dir: project.dir, name, schemaPath: project.models(models), now: NOW, ...extra });
}

async function rejects(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<DbshipError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DbshipError, String(err));
    assert.equal(err.code, code, err.format());
    assert.match(err.format(), pattern);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('generate: the committed history', () => {
  it('reproduces 0000_init and 0001_add_user_bio byte for byte from an empty folder', async () => {
    const p = makeProject({ history: false });
    const init = await run(p, 'init', usersModel({ bio: false }));
    assert.deepEqual(init.migrations.map((m) => m.tag), ['0000_init']);
    const bio = await run(p, 'add_user_bio', usersModel());
    assert.deepEqual(bio.migrations.map((m) => m.tag), ['0001_add_user_bio']);
    for (const f of ['0000_init.sql', '0000_init.down.sql', '0001_add_user_bio.sql', '0001_add_user_bio.down.sql']) {
      assert.equal(p.read(f), readFileSync(path.join(ROOT, 'migrations', f), 'utf8'), f);
    }
    assert.equal(p.read('0001_add_user_bio.sql'), 'ALTER TABLE "users" ADD COLUMN "bio" text;');
    assert.equal(p.read('0001_add_user_bio.down.sql'), 'ALTER TABLE "users" DROP COLUMN "bio";');
  });

  it('writes drizzle-kit\'s folder format: journal entry, breakpoints, snapshot id chain', async () => {
    const p = makeProject({ history: false });
    await run(p, 'init', usersModel({ bio: false }));
    await run(p, 'add_posts', usersModel({ after: POSTS }));
    const journal = readJournal(p.dir);
    assert.equal(journal.dialect, 'postgresql');
    assert.deepEqual(journal.entries[0], { idx: 0, version: '7', when: NOW(), tag: '0000_init', breakpoints: true });
    const sql = p.read('0001_add_posts.sql');
    assert.match(sql, /^CREATE TABLE "posts" \([^;]*\);\n--> statement-breakpoint\nALTER TABLE "users" ADD COLUMN "bio" text;--> statement-breakpoint\nALTER TABLE "posts" ADD CONSTRAINT/);
    const s0 = readSnapshot(path.join(p.dir, 'meta/0000_snapshot.json'));
    const s1 = readSnapshot(path.join(p.dir, 'meta/0001_snapshot.json'));
    assert.equal(s0.prevId, ORIGIN_ID);
    assert.equal(s1.prevId, s0.id);
    assert.ok(s1.tables['public.posts']);
  });

  it('says no changes and writes nothing when the models match the newest snapshot', async () => {
    const p = makeProject({ history: true });
    const before = p.files();
    const result = await run(p, 'nothing', usersModel());
    assert.equal(result.status, 'no-changes');
    assert.deepEqual(p.files(), before);
  });
});

describe('generate: names and custom migrations', () => {
  const invalid = ['', 'Add_bio', 'add-bio', 'add bio', '../evil', 'a/b', 'a\\b', '1st', 'add__bio', '_bio', 'bio_', 'é', 'x'.repeat(81)];
  for (const name of invalid) {
    it(`rejects the name ${JSON.stringify(name.slice(0, 20))}`, () => {
      assert.throws(() => validateMigrationName(name), (e: unknown) => e instanceof DbshipError && e.code === 'USAGE' && /snake_case/.test(e.why ?? ''));
    });
  }
  for (const name of ['add_user_bio', 'v2', 'backfill_2024_names']) {
    it(`accepts ${name}`, () => validateMigrationName(name));
  }

  it('an invalid name writes nothing', async () => {
    const p = makeProject({ history: true });
    const before = p.files();
    await rejects(run(p, '../x', usersModel({ columns: ["nick: text('nick'),"] })), 'USAGE', /invalid migration name/);
    assert.deepEqual(p.files(), before);
  });

  it('--custom writes an up and a down file with the directive header and re-links the snapshot', async () => {
    const p = makeProject({ history: true });
    const result = await run(p, 'backfill_names', usersModel(), { custom: true });
    assert.deepEqual(result.migrations.map((m) => m.tag), ['0002_backfill_names']);
    assert.equal(p.read('0002_backfill_names.sql'), `${CUSTOM_HEADER.join('\n')}\n`);
    assert.match(p.read('0002_backfill_names.sql'), /dbship:no-transaction[\s\S]*dbship:irreversible <reason>/);
    assert.match(p.read('0002_backfill_names.down.sql'), /dbship:irreversible <reason>/);
    const prev = readSnapshot(path.join(p.dir, 'meta/0001_snapshot.json'));
    const snap = readSnapshot(path.join(p.dir, 'meta/0002_snapshot.json'));
    assert.equal(snap.prevId, prev.id);
    assert.notEqual(snap.id, prev.id);
    assert.deepEqual(snap.tables, prev.tables);
    const [file] = loadMigrations(p.dir).slice(2);
    assert.equal(file!.transactional, true);
    assert.equal(file!.irreversible, null, 'the header only explains the directive, it does not set it');
  });
});

describe('generate: safe forms', () => {
  it('an index on an existing table becomes its own no-transaction CONCURRENTLY migration', async () => {
    const p = makeProject({ history: true });
    const result = await run(p, 'add_user_name_index', usersModel({ extras: ["index('users_name_idx').on(t.name)"] }));
    assert.deepEqual(result.migrations.map((m) => [m.tag, m.transactional]), [['0002_add_user_name_index_concurrently', false]]);
    assert.equal(p.read('0002_add_user_name_index_concurrently.sql'), '-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "users_name_idx" ON "users" USING btree ("name");');
    assert.equal(p.read('0002_add_user_name_index_concurrently.down.sql'), '-- dbship:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS "users_name_idx";');
    assert.equal(loadMigrations(p.dir)[2]!.transactional, false);
  });

  it('splits a change into the transactional part and the concurrent index, with consistent snapshots', async () => {
    const p = makeProject({ history: true });
    const models = usersModel({ columns: ["nickname: text('nickname'),"], extras: ["index('users_nickname_idx').on(t.nickname)"] });
    const result = await run(p, 'add_user_nickname', models);
    assert.deepEqual(result.migrations.map((m) => m.tag), ['0002_add_user_nickname', '0003_add_user_nickname_concurrently']);
    assert.equal(p.read('0002_add_user_nickname.sql'), 'ALTER TABLE "users" ADD COLUMN "nickname" text;');
    assert.equal(p.read('0002_add_user_nickname.down.sql'), 'ALTER TABLE "users" DROP COLUMN "nickname";');
    assert.match(p.read('0003_add_user_nickname_concurrently.sql'), /^-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "users_nickname_idx"/);
    const s1 = readSnapshot(path.join(p.dir, 'meta/0001_snapshot.json'));
    const s2 = readSnapshot(path.join(p.dir, 'meta/0002_snapshot.json'));
    const s3 = readSnapshot(path.join(p.dir, 'meta/0003_snapshot.json'));
    assert.deepEqual([s2.prevId, s3.prevId], [s1.id, s2.id]);
    assert.ok(s2.tables['public.users']!.columns.nickname);
    assert.deepEqual(Object.keys(s2.tables['public.users']!.indexes), []);
    assert.deepEqual(Object.keys(s3.tables['public.users']!.indexes), ['users_nickname_idx']);
    const report = await check({ dir: p.dir, schemaPath: p.models(models) });
    assert.deepEqual(report.problems, []);
  });

  it('an index on a table created in the same migration stays inside its transaction', async () => {
    const p = makeProject({ history: true });
    const result = await run(p, 'add_posts', usersModel({ after: POSTS }));
    assert.deepEqual(result.migrations.map((m) => m.tag), ['0002_add_posts']);
    const sql = p.read('0002_add_posts.sql');
    assert.match(sql, /CREATE INDEX "posts_user_id_idx" ON "posts"/);
    assert.doesNotMatch(sql, /CONCURRENTLY|NOT VALID/);
    assert.equal(p.read('0002_add_posts.down.sql'), 'DROP TABLE "posts" CASCADE;');
  });

  it('dropping an index of an existing table drops it CONCURRENTLY, and the down file rebuilds it', async () => {
    const p = makeProject({ history: true });
    await run(p, 'add_user_name_index', usersModel({ extras: ["index('users_name_idx').on(t.name)"] }));
    const result = await run(p, 'drop_user_name_index', usersModel());
    assert.deepEqual(result.migrations.map((m) => m.tag), ['0003_drop_user_name_index_concurrently']);
    assert.equal(p.read('0003_drop_user_name_index_concurrently.sql'), '-- dbship:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS "users_name_idx";');
    assert.match(p.read('0003_drop_user_name_index_concurrently.down.sql'), /^-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "users_name_idx" ON "users"/);
  });

  it('regression: reverting a dropped indexed column rebuilt the index before the column was back; index drops now run before the transactional part', async () => {
    const p = makeProject({ history: true });
    await run(p, 'add_nickname', usersModel({ columns: ["nickname: text('nickname'),"], extras: ["index('users_nickname_idx').on(t.nickname)"] }));
    const result = await run(p, 'drop_nickname', usersModel(), { allowUnsafe: true });
    assert.deepEqual(result.migrations.map((m) => m.tag), ['0004_drop_nickname_concurrently', '0005_drop_nickname']);
    assert.equal(p.read('0004_drop_nickname_concurrently.sql'), '-- dbship:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS "users_nickname_idx";');
    assert.match(p.read('0005_drop_nickname.sql'), /-- dbship:allow drop-column .*\nALTER TABLE "users" DROP COLUMN "nickname";$/);
    assert.equal(p.read('0005_drop_nickname.down.sql'), 'ALTER TABLE "users" ADD COLUMN "nickname" text;');
    const s4 = readSnapshot(path.join(p.dir, 'meta/0004_snapshot.json'));
    assert.ok(s4.tables['public.users']!.columns.nickname, 'the column is still there after the index drop');
    assert.deepEqual(Object.keys(s4.tables['public.users']!.indexes), []);
  });

  it('an index whose definition changes is dropped first and rebuilt last, both concurrently', async () => {
    const p = makeProject({ history: true });
    await run(p, 'add_name_index', usersModel({ extras: ["index('users_name_idx').on(t.name)"] }));
    const result = await run(p, 'name_index_with_email', usersModel({ columns: ["nickname: text('nickname'),"], extras: ["index('users_name_idx').on(t.name, t.email)"] }));
    assert.deepEqual(result.migrations.map((m) => m.tag), ['0003_name_index_with_email_drop_concurrently', '0004_name_index_with_email', '0005_name_index_with_email_concurrently']);
    assert.match(p.read('0005_name_index_with_email_concurrently.sql'), /CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_name_idx" ON "users" USING btree \("name","email"\)/);
    const report = await check({ dir: p.dir, schemaPath: p.models(usersModel({ columns: ["nickname: text('nickname'),"], extras: ["index('users_name_idx').on(t.name, t.email)"] })) });
    assert.deepEqual(report.problems, []);
  });

  it('a foreign key on an existing table is added NOT VALID and validated in the next migration', async () => {
    const p = makeProject({ history: true });
    await run(p, 'add_posts', usersModel({ after: POSTS }));
    const withEditor = POSTS.replace("title: text('title').notNull(),", "title: text('title').notNull(),\n  editorId: bigint('editor_id', { mode: 'number' }).references(() => users.id),");
    const result = await run(p, 'add_post_editor', usersModel({ after: withEditor }));
    assert.deepEqual(result.migrations.map((m) => m.tag), ['0003_add_post_editor', '0004_add_post_editor_validate']);
    const up = p.read('0003_add_post_editor.sql');
    assert.match(up, /ADD CONSTRAINT "posts_editor_id_users_id_fk" FOREIGN KEY \("editor_id"\) REFERENCES "public"."users"\("id"\) ON DELETE no action ON UPDATE no action NOT VALID;$/);
    assert.match(p.read('0004_add_post_editor_validate.sql'), /\nALTER TABLE "posts" VALIDATE CONSTRAINT "posts_editor_id_users_id_fk";$/);
    assert.match(p.read('0003_add_post_editor.down.sql'), /DROP CONSTRAINT "posts_editor_id_users_id_fk"/);
    assert.deepEqual(result.findings.filter((f) => f.severity === 'error'), []);
  });
});

describe('generate: CHECK constraints', () => {
  it('a CHECK constraint on an existing table is added NOT VALID and validated in the next migration', async () => {
    const p = makeProject({ history: true });
    const result = await run(p, 'limit_email', usersModel({ extras: ['check(\'users_email_length\', sql`length(${t.email}) <= 320`)'] }));
    assert.deepEqual(result.migrations.map((m) => m.tag), ['0002_limit_email', '0003_limit_email_validate']);
    assert.equal(p.read('0002_limit_email.sql'), 'ALTER TABLE "users" ADD CONSTRAINT "users_email_length" CHECK (length("users"."email") <= 320) NOT VALID;');
    assert.match(p.read('0003_limit_email_validate.sql'), /\nALTER TABLE "users" VALIDATE CONSTRAINT "users_email_length";$/);
    assert.equal(p.read('0002_limit_email.down.sql'), 'ALTER TABLE "users" DROP CONSTRAINT "users_email_length";');
  });
});

describe('generate: SET NOT NULL', () => {
  it('becomes a NOT VALID check, validated in the next migration, which sets NOT NULL and drops the check', async () => {
    const p = makeProject({ history: true });
    const models = usersModel().replace("name: text('name'),", "name: text('name').notNull(),");
    const result = await run(p, 'require_name', models);
    assert.deepEqual(result.migrations.map((m) => m.tag), ['0002_require_name', '0003_require_name_validate']);
    assert.equal(p.read('0002_require_name.sql'), 'ALTER TABLE "users" ADD CONSTRAINT "users_name_not_null" CHECK ("name" IS NOT NULL) NOT VALID;');
    assert.equal(p.read('0002_require_name.down.sql'), 'ALTER TABLE "users" DROP CONSTRAINT IF EXISTS "users_name_not_null";');
    assert.match(p.read('0003_require_name_validate.sql'), /VALIDATE CONSTRAINT "users_name_not_null";--> statement-breakpoint\nALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL;--> statement-breakpoint\nALTER TABLE "users" DROP CONSTRAINT "users_name_not_null";$/);
    assert.equal(p.read('0003_require_name_validate.down.sql'), 'ALTER TABLE "users" ADD CONSTRAINT "users_name_not_null" CHECK ("name" IS NOT NULL) NOT VALID;--> statement-breakpoint\nALTER TABLE "users" ALTER COLUMN "name" DROP NOT NULL;');
    assert.equal(readSnapshot(path.join(p.dir, 'meta/0002_snapshot.json')).tables['public.users']!.columns.name!.notNull, false);
    assert.equal(readSnapshot(path.join(p.dir, 'meta/0003_snapshot.json')).tables['public.users']!.columns.name!.notNull, true);
    assert.deepEqual((await check({ dir: p.dir, schemaPath: p.models(models) })).problems, []);
  });

  const names: Array<[string, string, string]> = [
    ['users', 'name', 'users_name_not_null'],
    ['t'.repeat(40), 'c'.repeat(30), `${'t'.repeat(40)}_cccc_`],
  ];
  for (const [table, column, prefix] of names) {
    it(`names the temporary check within 63 bytes (${table.length + column.length} characters)`, () => {
      const name = constraintName(table, column, 'not_null');
      assert.ok(Buffer.byteLength(name) <= 63, name);
      assert.ok(name.startsWith(prefix), name);
      assert.ok(name.endsWith('_not_null'), name);
    });
  }
});

describe('generate: UNIQUE constraints', () => {
  it('a UNIQUE constraint on an existing table: index built concurrently, then attached', async () => {
    const p = makeProject({ history: true });
    const models = usersModel({ columns: ["nickname: text('nickname').unique(),"] });
    const result = await run(p, 'add_nickname', models);
    assert.deepEqual(result.migrations.map((m) => [m.tag, m.transactional]), [['0002_add_nickname', true], ['0003_add_nickname_concurrently', false], ['0004_add_nickname_attach', true]]);
    assert.equal(p.read('0003_add_nickname_concurrently.sql'), '-- dbship:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_nickname_unique" ON "users" ("nickname");');
    assert.equal(p.read('0003_add_nickname_concurrently.down.sql'), '-- dbship:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS "users_nickname_unique";');
    assert.match(p.read('0004_add_nickname_attach.sql'), /\nALTER TABLE "users" ADD CONSTRAINT "users_nickname_unique" UNIQUE USING INDEX "users_nickname_unique";$/);
    assert.equal(p.read('0004_add_nickname_attach.down.sql'), 'ALTER TABLE "users" DROP CONSTRAINT "users_nickname_unique";');
    const s3 = readSnapshot(path.join(p.dir, 'meta/0003_snapshot.json'));
    assert.deepEqual(Object.keys(s3.tables['public.users']!.uniqueConstraints as object), ['users_email_unique']);
    assert.deepEqual((await check({ dir: p.dir, schemaPath: p.models(models) })).problems, []);
  });
});

describe('generate: refusals', () => {
  it('regression: a refused rename exited 2 while every other refusal exits 6; it exits 6, shows the expand/contract steps, and never waits for a terminal', async () => {
    const p = makeProject({ history: true });
    const schema = p.models(usersModel().replace("bio: text('bio')", "about: text('about')"));
    const child = spawnCli(['generate', '--name', 'rename_bio', '--schema', schema], { PATH: process.env.PATH, HOME: process.env.HOME, MIGRATIONS_DIR: p.dir });
    // A hang guard, not a timing assertion: a prompt waiting on stdin would block forever.
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const r = await collect(child).finally(() => clearTimeout(guard));
    assert.equal(r.signal, null, 'generate hung (killed by the guard)');
    // The same class as every other refusal of generate and as check's report of it: exit 6.
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /never guesses renames/);
    assert.match(r.stderr, /column of table "public.users": removed "bio"; added "about"/);
    assert.match(r.stderr, /add the new object next to the old one/);
    assert.equal(existsSync(path.join(p.dir, '0002_rename_bio.sql')), false);
  });

  it('refuses what its lint rejects (exit 6 code), writing nothing', async () => {
    const p = makeProject({ history: true });
    const before = p.files();
    const err = await rejects(run(p, 'add_nick', usersModel({ columns: ["nick: text('nick').notNull(),"] })), 'PROBLEMS_FOUND', /add-column-not-null-without-default[\s\S]*--allow-unsafe/);
    assert.equal(err.exitCode, 6);
    assert.deepEqual(p.files(), before);
  });

  it('--allow-unsafe writes it, marked with a dbship:allow directive that check accepts', async () => {
    const p = makeProject({ history: true });
    const models = usersModel({ columns: ["nick: text('nick').notNull(),"] });
    const result = await run(p, 'add_nick', models, { allowUnsafe: true });
    assert.equal(p.read('0002_add_nick.sql'), '-- dbship:allow add-column-not-null-without-default generated with --allow-unsafe: add_nick\nALTER TABLE "users" ADD COLUMN "nick" text NOT NULL;');
    assert.deepEqual(result.findings.map((f) => f.rule), ['add-column-not-null-without-default']);
    const report = await check({ dir: p.dir, schemaPath: p.models(models) });
    assert.deepEqual(report.problems, []);
  });

  it('refuses to overwrite a file left over outside the journal', async () => {
    const p = makeProject({ history: true });
    writeFileSync(path.join(p.dir, 'meta', '0002_snapshot.json'), '{}');
    const journal = p.read('meta/_journal.json');
    await rejects(run(p, 'add_nick', usersModel({ columns: ["nick: text('nick'),"] })), 'GENERATE_FAILED', /refusing to overwrite existing files: meta\/0002_snapshot.json/);
    assert.equal(p.read('meta/_journal.json'), journal);
    assert.equal(existsSync(path.join(p.dir, '0002_add_nick.sql')), false);
  });

  it('a models module that does not exist is a clear error', async () => {
    const p = makeProject({ history: true });
    await rejects(generate({ dir: p.dir, name: 'x', schemaPath: path.join(p.root, 'nope.ts') }), 'GENERATE_FAILED', /does not exist[\s\S]*--schema/);
  });
});

describe('generate: SQL drizzle-kit writes that does not parse', () => {
  it('is a GENERATE_FAILED naming the statement, not a parser exception, and writes nothing', async () => {
    // drizzle-kit does not double the quote inside a json default: DEFAULT '{"note":"it's"}'.
    const p = makeProject({ history: false });
    const models = `import { jsonb, pgTable, serial } from 'drizzle-orm/pg-core';
export const notes = pgTable('notes', { id: serial('id').primaryKey(), meta: jsonb('meta').default({ note: "it's" }) });`;
    await assert.rejects(generate({ dir: p.dir, name: 'init', schemaPath: p.models(models), now: NOW }), (e: unknown) =>
      e instanceof DbshipError && e.code === 'GENERATE_FAILED' && /drizzle-kit wrote SQL that PostgreSQL cannot parse/.test(e.message) && e.details.some((d) => d.includes('"it\'s"')));
    assert.equal(existsSync(path.join(p.dir, '0000_init.sql')), false);
  });
});
