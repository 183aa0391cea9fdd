import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { loadMigrations, type MigrationFile } from '../../packages/dbship/src/migrator/folder/files.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { splitStatements } from '../../packages/dbship/src/migrator/sql/split.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeProject, NOW, POSTS, usersModel } from '../helpers/generate-fixture.js';

const EMAIL_CHECK = 'check(\'users_email_length\', sql`length(${t.email}) <= 320`)';
const WITH_EDITOR = POSTS.replace("title: text('title').notNull(),", "title: text('title').notNull(),\n  editorId: bigint('editor_id', { mode: 'number' }).references(() => users.id),");

/** A history that exercises every safe form, generated on top of the committed migrations. */
async function generatedHistory(): Promise<MigrationFile[]> {
  const p = makeProject({ history: true });
  const steps: Array<[string, string, boolean?]> = [
    ['add_posts', usersModel({ after: POSTS })],
    ['add_user_name_index', usersModel({ after: POSTS, extras: ["index('users_name_idx').on(t.name)"] })],
    ['add_post_editor', usersModel({ after: WITH_EDITOR, extras: ["index('users_name_idx').on(t.name)"] })],
    ['add_user_nickname', usersModel({ after: WITH_EDITOR, columns: ["nickname: text('nickname'),"], extras: ["index('users_name_idx').on(t.name)", "uniqueIndex('users_nickname_idx').on(t.nickname)"] })],
    ['drop_user_name_index', usersModel({ after: WITH_EDITOR, columns: ["nickname: text('nickname'),"], extras: ["uniqueIndex('users_nickname_idx').on(t.nickname)"] })],
    ['limit_email', usersModel({ after: WITH_EDITOR, columns: ["nickname: text('nickname'),"], extras: ["uniqueIndex('users_nickname_idx').on(t.nickname)", EMAIL_CHECK] })],
    // A column with an index dropped (accepted as unsafe): its index is dropped in a migration before it.
    ['drop_nickname', usersModel({ after: WITH_EDITOR, extras: [EMAIL_CHECK] }), true],
    ['unique_name', usersModel({ after: WITH_EDITOR, columns: ["handle: text('handle').unique(),"], extras: [EMAIL_CHECK] })],
    ['require_name', usersModel({ after: WITH_EDITOR, columns: ["handle: text('handle').unique(),"], extras: [EMAIL_CHECK] }).replace("name: text('name'),", "name: text('name').notNull(),")],
  ];
  for (const [name, models, allowUnsafe] of steps) await generate({ dir: p.dir, name, schemaPath: p.models(models), now: NOW, allowUnsafe: allowUnsafe === true });
  return loadMigrations(p.dir);
}

/** Runs a file as the engine would: one transaction, or statement by statement without one. */
async function runFile(client: pg.Client, sql: string, transactional: boolean): Promise<void> {
  const statements = await splitStatements(sql);
  if (transactional) await client.query('BEGIN');
  try {
    for (const s of statements) await client.query(s.text);
    if (transactional) await client.query('COMMIT');
  } catch (err) {
    if (transactional) await client.query('ROLLBACK');
    throw err;
  }
}

/** The schema as the catalog sees it: columns, indexes (with validity), constraints (with validation). */
interface Schema {
  columns: Record<string, unknown>[];
  indexes: Array<{ relname: string; def: string; indisvalid: boolean }>;
  constraints: Array<{ conname: string; contype: string; convalidated: boolean; def: string }>;
}

async function fingerprint(client: pg.Client): Promise<Schema> {
  const columns = await client.query(`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`);
  const indexes = await client.query(`SELECT c.relname, pg_get_indexdef(i.indexrelid) AS def, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1`);
  const constraints = await client.query(`SELECT conname, contype, convalidated, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`);
  return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows } as Schema;
}

describe('generated migrations apply on PostgreSQL: up, down, up again', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let files: MigrationFile[];

  before(async () => {
    files = await generatedHistory();
    db = await createTestDatabase('generate_apply');
    client = new pg.Client(clientConfig(db.connection, 'dbship-tests'));
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await db?.drop();
  });

  it('the history holds each safe form', () => {
    assert.deepEqual(files.map((f) => [f.name, f.transactional]), [
      ['0000_init', true], ['0001_add_user_bio', true], ['0002_add_posts', true], ['0003_add_user_name_index_concurrently', false],
      ['0004_add_post_editor', true], ['0005_add_post_editor_validate', true], ['0006_add_user_nickname', true],
      ['0007_add_user_nickname_concurrently', false], ['0008_drop_user_name_index_concurrently', false],
      ['0009_limit_email', true], ['0010_limit_email_validate', true], ['0011_drop_nickname_concurrently', false], ['0012_drop_nickname', true],
      ['0013_unique_name', true], ['0014_unique_name_concurrently', false], ['0015_unique_name_attach', true],
      ['0016_require_name', true], ['0017_require_name_validate', true],
    ]);
    assert.match(files[7]!.sql, /CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_nickname_idx"/);
  });

  it('every down file restores the schema before its up file, and up again gives the same schema', async () => {
    const states = [await fingerprint(client)];
    for (const f of files) {
      await runFile(client, f.sql, f.transactional);
      states.push(await fingerprint(client));
    }
    const final = states.at(-1)!;
    const constraint = (name: string) => final.constraints.find((c) => c.conname === name);
    assert.deepEqual([constraint('posts_editor_id_users_id_fk')?.convalidated, constraint('users_email_length')?.convalidated], [true, true]);
    assert.equal(constraint('users_handle_unique')?.contype, 'u');
    assert.ok(final.indexes.every((x) => x.indisvalid));
    assert.ok(!final.indexes.some((x) => x.relname === 'users_name_idx'));
    for (let i = files.length - 1; i >= 0; i--) {
      const f = files[i]!;
      assert.ok(f.downSql !== null, `${f.name} has a down file`);
      await runFile(client, f.downSql, !f.downSql.startsWith('-- dbship:no-transaction'));
      // Two down files restore a state equivalent to, not identical with, the one before their up
      // file. A validated constraint cannot be made NOT VALID again, and need not be: the down file
      // of a _validate migration changes nothing; the one before it drops the constraint. Dropping
      // an attached unique constraint drops its index too; the _concurrently down file before it
      // then finds nothing left to drop.
      const relax = (fp: Schema): Schema => {
        if (f.name.endsWith('_validate')) return { ...fp, constraints: fp.constraints.map((c) => ({ ...c, convalidated: true, def: c.def.replace(' NOT VALID', '') })) };
        if (f.name.endsWith('_attach')) return { ...fp, indexes: fp.indexes.filter((x) => x.relname !== 'users_handle_unique') };
        return fp;
      };
      assert.deepEqual(relax(await fingerprint(client)), relax(states[i]!), `down of ${f.name}`);
    }
    for (const f of files) await runFile(client, f.sql, f.transactional);
    assert.deepEqual(await fingerprint(client), final);
  });

  it('the constraints written in their safe forms reject bad rows once in place', async () => {
    await client.query(`INSERT INTO users (email, name) VALUES ('a@example.com', 'A')`);
    await assert.rejects(client.query(`INSERT INTO users (email) VALUES ('n@example.com')`), (e: { code?: string }) => e.code === '23502');
    await assert.rejects(client.query(`INSERT INTO posts (user_id, title, editor_id) VALUES ((SELECT id FROM users LIMIT 1), 't', 999999)`), (e: { code?: string }) => e.code === '23503');
    await assert.rejects(client.query(`INSERT INTO users (email, name) VALUES (repeat('x', 400), 'X')`), (e: { code?: string }) => e.code === '23514');
    await client.query(`UPDATE users SET handle = 'h'`);
    await assert.rejects(client.query(`INSERT INTO users (email, name, handle) VALUES ('b@example.com', 'B', 'h')`), (e: { code?: string }) => e.code === '23505');
  });
});
