import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadMigrations } from '../../packages/dbship/src/migrator/folder/files.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ROOT, writeMigrations } from '../helpers/migrations.js';
import { captureSchema, roundTrip } from '../helpers/roundtrip.js';

const richHistory = [
  {
    name: 'create_accounts',
    sql: `CREATE TYPE account_status AS ENUM ('active', 'closed');\n--> statement-breakpoint\nCREATE TABLE accounts (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  email text NOT NULL,\n  status account_status DEFAULT 'active' NOT NULL,\n  created_at timestamptz DEFAULT now() NOT NULL,\n  CONSTRAINT accounts_email_unique UNIQUE (email)\n);\n`,
    down: 'DROP TABLE accounts;\nDROP TYPE account_status;\n',
  },
  {
    name: 'create_posts',
    sql: `CREATE TABLE posts (\n  id serial PRIMARY KEY,\n  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,\n  title varchar(200) NOT NULL CHECK (title <> ''),\n  body text\n);\nCREATE INDEX posts_account_id_idx ON posts (account_id);\n`,
    down: 'DROP TABLE posts;\n',
  },
  {
    name: 'accounts_display_name',
    sql: 'ALTER TABLE accounts ADD COLUMN display_name text;\nALTER TABLE accounts ADD COLUMN score numeric(10, 2) DEFAULT 0;\n',
    down: 'ALTER TABLE accounts DROP COLUMN score;\nALTER TABLE accounts DROP COLUMN display_name;\n',
  },
  {
    name: 'posts_title_index',
    sql: '-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY posts_title_idx ON posts (lower(title));\n',
    down: '-- dbship:no-transaction\nDROP INDEX CONCURRENTLY posts_title_idx;\n',
  },
  {
    name: 'drop_posts_body',
    sql: 'ALTER TABLE posts DROP COLUMN body;\n',
    down: 'ALTER TABLE posts ADD COLUMN body text;\n',
  },
  {
    name: 'active_accounts_view',
    sql: `CREATE VIEW active_accounts AS SELECT id, email FROM accounts WHERE status = 'active';\nCREATE FUNCTION touch_created_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.created_at := now(); RETURN NEW; END $$;\nCREATE TRIGGER accounts_touch BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION touch_created_at();\n`,
    down: 'DROP TRIGGER accounts_touch ON accounts;\nDROP FUNCTION touch_created_at();\nDROP VIEW active_accounts;\n',
  },
];

describe('round trip: down then up leaves the schema as it was', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('roundtrip')));
  after(async () => db.drop());

  const committed = path.join(ROOT, 'migrations');
  const committedCount = loadMigrations(committed).length;
  it('the committed migrations', { skip: committedCount > 0 ? false : 'no committed migrations yet' }, async () => {
    assert.equal(await roundTrip(db, committed), committedCount, 'every committed migration is reversible');
    assert.deepEqual((await captureSchema(db)).relations, [], 'reverting everything leaves an empty public schema');
  });

  it('a history with enums, identities, foreign keys, CONCURRENTLY indexes, a dropped column, views, functions and triggers', async () => {
    const fresh = await createTestDatabase('roundtrip_rich');
    try {
      assert.equal(await roundTrip(fresh, writeMigrations(richHistory)), richHistory.length);
      const empty = await captureSchema(fresh);
      assert.ok(Object.values(empty).every((rows) => rows.length === 0), JSON.stringify(empty));
    } finally {
      await fresh.drop();
    }
  });

  it('catches a down file that does not restore the schema', async () => {
    const fresh = await createTestDatabase('roundtrip_bad');
    try {
      const lossy = [richHistory[0]!, richHistory[1]!, { ...richHistory[2]!, down: 'ALTER TABLE accounts DROP COLUMN score;\n' }];
      await assert.rejects(roundTrip(fresh, writeMigrations(lossy)), (err) => err instanceof assert.AssertionError && /0002_accounts_display_name\.down\.sql restores/.test(err.message));
    } finally {
      await fresh.drop();
    }
  });
});
