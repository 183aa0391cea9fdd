import assert from 'node:assert/strict';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { drizzleKitHistory } from '../helpers/drizzle-kit-history.js';
import { runCli } from '../../packages/dbship/src/cli/run.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';
import { roundTrip } from '../helpers/roundtrip.js';

const IMPORTS = "import { bigint, index, integer, pgEnum, pgTable, text } from 'drizzle-orm/pg-core';";
const USERS_V1 = `${IMPORTS}
export const users = pgTable('users', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  email: text('email').notNull().unique(),
  bio: text('bio'),
});`;
const WITH_POSTS = `${IMPORTS}
export const status = pgEnum('status', ['active', 'closed']);
export const users = pgTable('users', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  email: text('email').notNull().unique(),
  bio: text('bio'),
  status: status('status').default('active').notNull(),
});
export const posts = pgTable('posts', {
  id: integer('id').primaryKey(),
  userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id, { onDelete: 'cascade' }),
  title: text('title').notNull(),
}, (t) => [index('posts_user_id_idx').on(t.userId)]);`;
const WITHOUT_BIO = WITH_POSTS.replace("  bio: text('bio'),\n", '');
/** What a person writes for the data migration: the old values are not kept, so there is nothing to restore. */
const BACKFILL_DOWN = "-- The statuses set by the backfill stay; the schema is unchanged.\nSELECT 1;\n";

describe('dbship init on a history drizzle-kit wrote', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('init')));
  after(async () => db.drop());

  it('writes the down files from the snapshots, reports what it cannot reverse, and the downs round-trip on PostgreSQL', async () => {
    const project = drizzleKitHistory([
      { name: 'init', models: USERS_V1 },
      { name: 'email_lower_index', custom: 'CREATE INDEX users_email_lower_idx ON users (lower(email));' },
      { name: 'posts', models: WITH_POSTS },
      { name: 'backfill_status', custom: "UPDATE users SET status = 'closed' WHERE bio IS NULL;" },
      { name: 'drop_bio', models: WITHOUT_BIO },
    ]);
    const before = project.files();
    const env = cliEnv(db.url, project.dir);

    const first = await runCliProcess(['init'], env);
    assert.equal(first.code, 0, first.stderr);
    const written = [...first.stdout.matchAll(/^wrote (.+)$/gm)].map((m) => path.basename(m[1]!));
    assert.deepEqual(written, ['0000_init.down.sql', '0002_posts.down.sql', '0004_drop_bio.down.sql']);
    assert.match(first.stderr, /not reversed: 0001_email_lower_index: a custom \(hand-written\) migration/);
    assert.match(first.stderr, /not reversed: 0003_backfill_status: it changes data \(UPDATE users\)/);
    assert.match(first.stdout, /history: .*5 migration\(s\), journal version 7 \(postgresql\); snapshots: 5 \(5 in format 7\)/);
    assert.match(first.stdout, /dbship baseline --drizzle-table drizzle\.__drizzle_migrations/);
    const after = project.files();
    for (const [file, content] of before) assert.equal(after.get(file), content, `${file} is unchanged`);
    assert.match(project.read('0004_drop_bio.down.sql'), /ALTER TABLE "users" ADD COLUMN "bio" text/);

    // The down files a person writes by following the report; then nothing is left to do.
    writeFileSync(path.join(project.dir, '0001_email_lower_index.down.sql'), 'DROP INDEX users_email_lower_idx;\n');
    writeFileSync(path.join(project.dir, '0003_backfill_status.down.sql'), BACKFILL_DOWN);
    const again = await runCliProcess(['init'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /^wrote /m);
    assert.match(again.stdout, /kept 5 existing down file\(s\) unchanged/);
    assert.deepEqual(project.files(), new Map([...after, ['0001_email_lower_index.down.sql', 'DROP INDEX users_email_lower_idx;\n'], ['0003_backfill_status.down.sql', BACKFILL_DOWN]]));

    // Upgrade one at a time, then every down (newest first) restores the schema it found.
    assert.equal(await roundTrip(db, project.dir), 5);
  });

  it("finds the folder and drizzle-kit's table through the project's drizzle.config, from a subdirectory", async () => {
    const project = drizzleKitHistory([{ name: 'init', models: USERS_V1 }]);
    renameSync(project.dir, path.join(project.root, 'db-history'));
    writeFileSync(path.join(project.root, 'package.json'), '{"type":"module"}');
    writeFileSync(path.join(project.root, 'drizzle.config.ts'), "export default { dialect: 'postgresql' as const, schema: './schema-0.ts', out: './db-history', migrations: { table: 'kit_log', schema: 'ops' } };\n");
    const cwd = path.join(project.root, 'src');
    mkdirSync(cwd);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['init'], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
    assert.equal(code, 0, err.join('\n'));
    assert.ok(existsSync(path.join(project.root, 'db-history', '0000_init.down.sql')));
    assert.match(out.join('\n'), /dbship baseline --drizzle-table ops\.kit_log/);
    assert.match(out.join('\n'), /the table your drizzle\.config declares/);
  });
});
