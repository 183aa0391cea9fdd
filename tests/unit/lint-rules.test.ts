import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lintSql, type LintFinding } from '../../packages/dbship/src/migrator/lint/index.js';

/** A case: SQL, and the exact findings as `rule@line:column` (every rule, in report order). */
interface Case {
  readonly name: string;
  readonly sql: string;
  readonly expect: readonly string[];
  readonly file?: string;
  /** Pattern the first finding's message must match. */
  readonly message?: RegExp;
}

const at = (f: LintFinding): string => `${f.rule}@${f.line}:${f.column}`;

async function run(c: Case): Promise<void> {
  const findings = await lintSql(c.sql, { file: c.file ?? '0001_case.sql' });
  assert.deepEqual(findings.map(at), c.expect, JSON.stringify(findings.map((f) => `${at(f)} ${f.message}`), null, 2));
  if (c.message) assert.match(findings[0]?.message ?? '', c.message);
  for (const f of findings) {
    assert.ok(f.message.length > 0 && f.why.length > 0 && f.fix.length > 0, `${f.rule} has message, why and fix`);
  }
}

const cases: Record<string, Case[]> = {
  'add-column-not-null-without-default': [
    { name: 'flagged at the column', sql: 'ALTER TABLE users ADD COLUMN age integer NOT NULL;', expect: ['add-column-not-null-without-default@1:30'] },
    { name: 'second of two columns, second line', sql: 'ALTER TABLE users\n  ADD COLUMN a text,\n  ADD COLUMN b text NOT NULL;', expect: ['add-column-not-null-without-default@3:14'] },
    { name: 'inline PRIMARY KEY implies NOT NULL', sql: 'ALTER TABLE users ADD COLUMN k int PRIMARY KEY;', expect: ['add-column-not-null-without-default@1:30', 'add-unique-constraint@1:36'] },
    { name: 'clean: with a constant default', sql: "ALTER TABLE users ADD COLUMN age integer NOT NULL DEFAULT 0;", expect: [] },
    { name: 'clean: nullable', sql: 'ALTER TABLE users ADD COLUMN age integer;', expect: [] },
    { name: 'clean: table created earlier', sql: 'CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN age int NOT NULL;', expect: [] },
  ],
  'set-not-null': [
    { name: 'flagged', sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;', expect: ['set-not-null@1:1'] },
    {
      name: 'clean: proven by a constraint validated earlier in the file',
      sql: 'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users DROP CONSTRAINT users_email_not_null;',
      expect: [],
    },
    {
      name: 'flagged: the validated constraint checks another column',
      sql: 'ALTER TABLE users ADD CONSTRAINT c CHECK (name IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT c;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      expect: ['validate-in-same-transaction@2:1', 'set-not-null@3:1'],
    },
    { name: 'flagged: the validation comes after', sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users VALIDATE CONSTRAINT c;', expect: ['set-not-null@1:1'] },
    { name: 'clean: new table', sql: 'CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;', expect: [] },
  ],
  'create-index-without-concurrently': [
    { name: 'flagged', sql: 'CREATE INDEX users_name_idx ON users (name);', expect: ['create-index-without-concurrently@1:1'] },
    { name: 'flagged: unique, schema-qualified', sql: '\n\nCREATE UNIQUE INDEX u ON app.users (email);', expect: ['create-index-without-concurrently@3:1'] },
    { name: 'clean: concurrently without a transaction', sql: '-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY users_name_idx ON users (name);', expect: [] },
    { name: 'clean: table created earlier (drizzle-kit style)', sql: 'CREATE TABLE "posts" ("id" serial PRIMARY KEY, "user_id" integer);\n--> statement-breakpoint\nCREATE INDEX "posts_user_idx" ON "posts" USING btree ("user_id");', expect: [] },
    { name: 'flagged: same name in another schema is another table', sql: 'CREATE TABLE tmp.users (id int);\nCREATE INDEX i ON users (id);', expect: ['create-index-without-concurrently@2:1'] },
  ],
  'drop-index-without-concurrently': [
    { name: 'flagged (warning)', sql: 'DROP INDEX users_name_idx;', expect: ['drop-index-without-concurrently@1:1'] },
    { name: 'one finding per index', sql: 'DROP INDEX a, b;', expect: ['drop-index-without-concurrently@1:1', 'drop-index-without-concurrently@1:1'] },
    { name: 'clean: concurrently', sql: '-- dbship:no-transaction\nDROP INDEX CONCURRENTLY users_name_idx;', expect: [] },
    { name: 'clean: index created earlier in the file', sql: 'CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nDROP INDEX t_a;', expect: [] },
  ],
  'concurrently-in-transaction': [
    { name: 'create index concurrently', sql: 'CREATE INDEX CONCURRENTLY i ON users (name);', expect: ['concurrently-in-transaction@1:1'] },
    { name: 'drop index concurrently', sql: 'DROP INDEX CONCURRENTLY i;', expect: ['concurrently-in-transaction@1:1'] },
    { name: 'reindex concurrently', sql: 'REINDEX INDEX CONCURRENTLY i;', expect: ['concurrently-in-transaction@1:1'] },
    { name: 'vacuum', sql: 'VACUUM users;', expect: ['concurrently-in-transaction@1:1'] },
    { name: 'clean: the header may follow other header comment lines', sql: '-- add an index\n-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY i ON users (name);', expect: [] },
    { name: 'clean: header present', sql: '-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY i ON users (name);', expect: [] },
    { name: 'flagged: header after a statement does not count', sql: 'SELECT 1;\n-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY i ON users (name);', expect: ['concurrently-in-transaction@3:1'] },
  ],
  'constraint-without-not-valid': [
    { name: 'foreign key', sql: 'ALTER TABLE posts ADD CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES users (id);', expect: ['constraint-without-not-valid@1:23'] },
    { name: 'check', sql: 'ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age > 0);', expect: ['constraint-without-not-valid@1:23'] },
    { name: 'inline REFERENCES on ADD COLUMN', sql: 'ALTER TABLE posts ADD COLUMN user_id bigint REFERENCES users (id);', expect: ['constraint-without-not-valid@1:45'] },
    { name: 'clean: NOT VALID', sql: 'ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;', expect: [] },
    { name: 'clean: new table referencing an existing one', sql: 'CREATE TABLE posts (id int, user_id int);\nALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES public.users (id);', expect: [] },
  ],
  'validate-in-same-transaction': [
    { name: 'flagged', sql: 'ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id) NOT VALID;\nALTER TABLE posts VALIDATE CONSTRAINT fk;', expect: ['validate-in-same-transaction@2:1'] },
    { name: 'clean: validated alone (added by an earlier migration)', sql: 'ALTER TABLE posts VALIDATE CONSTRAINT fk;', expect: [] },
  ],
  'add-unique-constraint': [
    { name: 'unique', sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);', expect: ['add-unique-constraint@1:23'] },
    { name: 'primary key', sql: 'ALTER TABLE users ADD PRIMARY KEY (id);', expect: ['add-unique-constraint@1:23'] },
    { name: 'inline UNIQUE on ADD COLUMN', sql: 'ALTER TABLE users ADD COLUMN handle text UNIQUE;', expect: ['add-unique-constraint@1:42'] },
    { name: 'clean: USING INDEX', sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;', expect: [] },
    { name: 'clean: new table', sql: 'CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT t_a UNIQUE (a);', expect: [] },
  ],
  'column-type-rewrite': [
    { name: 'unknown old type', sql: 'ALTER TABLE users ALTER COLUMN name TYPE varchar(200);', expect: ['column-type-rewrite@1:32'] },
    { name: 'USING', sql: 'ALTER TABLE users ALTER COLUMN age TYPE bigint USING age::bigint;', expect: ['column-type-rewrite@1:32'] },
    { name: 'proven safe from an earlier change in the file', sql: 'ALTER TABLE users ALTER COLUMN name TYPE varchar(50);\nALTER TABLE users ALTER COLUMN name TYPE text;', expect: ['column-type-rewrite@1:32'] },
    { name: 'narrowing after an earlier change', sql: 'ALTER TABLE users ALTER COLUMN name TYPE varchar(50);\nALTER TABLE users ALTER COLUMN name TYPE varchar(20);', expect: ['column-type-rewrite@1:32', 'column-type-rewrite@2:32'] },
    { name: 'clean: new table', sql: 'CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a TYPE bigint;', expect: [] },
  ],
  'volatile-default': [
    { name: 'gen_random_uuid()', sql: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();', expect: ['volatile-default@1:49'] },
    { name: 'clock_timestamp()', sql: 'ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT clock_timestamp();', expect: ['volatile-default@1:55'] },
    { name: 'nextval', sql: "ALTER TABLE users ADD COLUMN n bigint DEFAULT nextval('s');", expect: ['volatile-default@1:47'] },
    { name: 'random() inside an expression', sql: 'ALTER TABLE users ADD COLUMN r int DEFAULT (random() * 10)::int;', expect: ['volatile-default@1:45'] },
    { name: 'serial', sql: 'ALTER TABLE users ADD COLUMN n bigserial;', expect: ['volatile-default@1:32'] },
    { name: 'identity', sql: 'ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;', expect: ['volatile-default@1:39'] },
    { name: 'unknown function', sql: 'ALTER TABLE users ADD COLUMN c text DEFAULT my_func();', expect: ['volatile-default@1:45'] },
    { name: 'clean: now()', sql: 'ALTER TABLE users ADD COLUMN c timestamptz NOT NULL DEFAULT now();', expect: [] },
    { name: 'clean: CURRENT_TIMESTAMP', sql: 'ALTER TABLE users ADD COLUMN c timestamptz DEFAULT CURRENT_TIMESTAMP;', expect: [] },
    { name: 'clean: constant', sql: "ALTER TABLE users ADD COLUMN c text NOT NULL DEFAULT 'x';", expect: [] },
    { name: 'clean: new table', sql: 'CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();', expect: [] },
  ],
  'add-generated-column': [
    { name: 'flagged', sql: 'ALTER TABLE users ADD COLUMN full_name text GENERATED ALWAYS AS (first || last) STORED;', expect: ['add-generated-column@1:45'] },
    { name: 'clean: new table', sql: 'CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int GENERATED ALWAYS AS (a * 2) STORED;', expect: [] },
  ],
  'drop-column': [
    { name: 'flagged', sql: 'ALTER TABLE users DROP COLUMN legacy_id;', expect: ['drop-column@1:1'] },
    { name: 'clean: new table', sql: 'CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;', expect: [] },
  ],
  'drop-table': [
    { name: 'flagged', sql: 'DROP TABLE sessions;', expect: ['drop-table@1:1'] },
    { name: 'each table', sql: 'DROP TABLE IF EXISTS a, b;', expect: ['drop-table@1:1', 'drop-table@1:1'] },
    { name: 'clean: created earlier', sql: 'CREATE TABLE tmp_t (a int);\nDROP TABLE tmp_t;', expect: [] },
  ],
  'rename-column': [
    { name: 'flagged', sql: 'ALTER TABLE users RENAME COLUMN name TO full_name;', expect: ['rename-column@1:1'] },
    { name: 'clean: new table', sql: 'CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO b;', expect: [] },
  ],
  'rename-table': [
    { name: 'rename', sql: 'ALTER TABLE users RENAME TO accounts;', expect: ['rename-table@1:1'] },
    { name: 'set schema', sql: 'ALTER TABLE users SET SCHEMA archive;', expect: ['rename-table@1:1'] },
    { name: 'clean: new table, and the new name is new too', sql: 'CREATE TABLE t (a int);\nALTER TABLE t RENAME TO u;\nCREATE INDEX u_a ON u (a);', expect: [] },
  ],
  truncate: [
    { name: 'flagged', sql: 'TRUNCATE sessions;', expect: ['truncate@1:1'] },
    { name: 'cascade', sql: 'TRUNCATE TABLE users CASCADE;', expect: ['truncate@1:1'] },
    { name: 'clean: new table', sql: 'CREATE TABLE t (a int);\nTRUNCATE t;', expect: [] },
  ],
  'mixed-ddl-and-data': [
    { name: 'backfill next to ALTER', sql: 'ALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = \'free\';', expect: ['mixed-ddl-and-data@2:1'] },
    { name: 'delete before DDL', sql: 'DELETE FROM sessions;\nCREATE INDEX i ON sessions (a);', expect: ['mixed-ddl-and-data@1:1', 'create-index-without-concurrently@2:1'] },
    { name: 'clean: seeding a new table', sql: "CREATE TABLE plans (id text PRIMARY KEY);\nINSERT INTO plans VALUES ('free'), ('pro');", expect: [] },
    { name: 'clean: data only', sql: "UPDATE users SET plan = 'free' WHERE plan IS NULL;", expect: [] },
  ],
  'unrelated-tables': [
    { name: 'two unrelated tables', sql: 'ALTER TABLE users ADD COLUMN a text;\nALTER TABLE orders ADD COLUMN b text;', expect: ['unrelated-tables@2:1'] },
    { name: 'clean: related by a new foreign key', sql: 'ALTER TABLE orders ADD COLUMN b text;\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id) NOT VALID;\nALTER TABLE users ADD COLUMN a text;', expect: [] },
    { name: 'clean: new tables never count', sql: 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nALTER TABLE users ADD COLUMN x text;', expect: [] },
    { name: 'clean: a table and its index', sql: 'ALTER TABLE users ADD COLUMN a text;\nCREATE INDEX users_a ON users (a);', expect: ['create-index-without-concurrently@2:1'] },
  ],
  'no-transaction-multiple-statements': [
    { name: 'flagged on the second statement', sql: '-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY a ON t (a);\nCREATE INDEX CONCURRENTLY b ON t (b);\nCREATE INDEX CONCURRENTLY c ON t (c);', expect: ['no-transaction-multiple-statements@3:1'] },
    { name: 'clean: SET does not count', sql: "-- dbship:no-transaction\nSET maintenance_work_mem = '1GB';\nCREATE INDEX CONCURRENTLY a ON t (a);", expect: [] },
  ],
  'vacuum-full-or-cluster': [
    { name: 'vacuum full', sql: '-- dbship:no-transaction\nVACUUM FULL users;', expect: ['vacuum-full-or-cluster@2:1'] },
    { name: 'cluster', sql: 'CLUSTER users USING users_pkey;', expect: ['vacuum-full-or-cluster@1:1'] },
    { name: 'clean: plain vacuum outside a transaction', sql: '-- dbship:no-transaction\nVACUUM (ANALYZE) users;', expect: [] },
  ],
  'reindex-without-concurrently': [
    { name: 'table', sql: 'REINDEX TABLE users;', expect: ['reindex-without-concurrently@1:1'] },
    { name: 'index', sql: 'REINDEX INDEX users_pkey;', expect: ['reindex-without-concurrently@1:1'] },
    { name: 'clean: concurrently outside a transaction', sql: '-- dbship:no-transaction\nREINDEX TABLE CONCURRENTLY users;', expect: [] },
  ],
  'lock-table': [
    { name: 'default mode', sql: 'LOCK TABLE users;', expect: ['lock-table@1:1'] },
    { name: 'share mode', sql: 'LOCK TABLE users IN SHARE MODE;', expect: ['lock-table@1:1'] },
    { name: 'clean: weak mode', sql: 'LOCK TABLE users IN ROW EXCLUSIVE MODE;', expect: [] },
  ],
  'transaction-control': [
    { name: 'begin and commit', sql: 'BEGIN;\nALTER TABLE users ADD COLUMN a text;\nCOMMIT;', expect: ['transaction-control@1:1', 'transaction-control@3:1'] },
    { name: 'clean: none', sql: 'ALTER TABLE users ADD COLUMN a text;', expect: [] },
  ],
  'syntax-error': [
    { name: 'position of the error', sql: 'ALTER TABLE users ADD COLUMN a text;\nCREATE TABEL t (a int);', expect: ['syntax-error@2:8'] },
    { name: 'empty file is clean', sql: '\n-- nothing yet\n', expect: [] },
    { name: 'a byte order mark is named', sql: '\uFEFFALTER TABLE users ADD COLUMN a text;', expect: ['syntax-error@1:1'], message: /byte order mark/ },
  ],
};

for (const [rule, list] of Object.entries(cases)) {
  describe(rule, () => {
    for (const c of list) test(c.name, () => run(c));
  });
}

describe('rules', () => {
  test('every rule with a check has at least one flagged case here', () => {
    const covered = new Set(Object.values(cases).flat().flatMap((c) => c.expect.map((e) => e.split('@')[0])));
    for (const id of Object.keys(cases)) assert.ok(covered.has(id), `no flagged case for ${id}`);
  });
});
