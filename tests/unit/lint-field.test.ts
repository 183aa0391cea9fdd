/**
 * Lint on what real generators and people write: statements inside DO blocks (older drizzle-kit
 * wraps every foreign key in one), tables filled in the same file, and the rules for
 * DETACH PARTITION, SET LOGGED / UNLOGGED, REFRESH MATERIALIZED VIEW, RENAME VALUE and names
 * over 63 bytes. Every fixture is synthetic, written in the shape the field uses.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lintSql, type LintFinding } from '../../packages/dbship/src/migrator/lint/index.js';

const at = (f: LintFinding): string => `${f.rule}@${f.line}:${f.column}`;

async function expectFindings(sql: string, expected: readonly string[], file = '0001_case.sql'): Promise<LintFinding[]> {
  const findings = await lintSql(sql, { file });
  assert.deepEqual(findings.map(at), expected, JSON.stringify(findings.map((f) => `${at(f)} ${f.message}`), null, 2));
  for (const f of findings) assert.ok(f.message && f.why && f.fix, `${f.rule} has message, why and fix`);
  return findings;
}

/** The shape drizzle-kit 0.2x wrote for every foreign key. */
const DRIZZLE_DO_FK = `CREATE TABLE IF NOT EXISTS "posts" (
\t"id" serial PRIMARY KEY NOT NULL,
\t"author_id" integer NOT NULL
);
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "comments" ADD CONSTRAINT "comments_post_id_posts_id_fk" FOREIGN KEY ("post_id") REFERENCES "public"."posts"("id") ON DELETE cascade ON UPDATE no action;
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
--> statement-breakpoint
DO $$ BEGIN
 ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
`;

describe('statements inside DO blocks', () => {
  test("drizzle-kit's DO-wrapped foreign key on an existing table is reported at the inner ALTER's line and column", async () => {
    const [f] = await expectFindings(DRIZZLE_DO_FK, ['constraint-without-not-valid@7:29']);
    assert.match(f!.message, /comments_post_id_posts_id_fk on existing table comments/);
    assert.match(f!.statement, /^ALTER TABLE "comments" ADD CONSTRAINT/);
  });

  test('positions count characters after multi-byte text and a named dollar quote', async () => {
    const sql = "-- é€ 😀\nDO $body$\nDECLARE n int;\nBEGIN\n  RAISE NOTICE 'é€😀';\n  ALTER TABLE \"użytkownicy\" ADD CONSTRAINT c CHECK (n > 0);\nEND $body$;";
    await expectFindings(sql, ['constraint-without-not-valid@6:33']);
  });

  test('statements in IF, loops and EXCEPTION handlers are linted; SELECT ... INTO a variable creates no table', async () => {
    const sql = `DO $$
DECLARE n int;
BEGIN
  SELECT count(*) INTO n FROM users;
  IF n > 0 THEN
    CREATE INDEX users_name_idx ON users (name);
  END IF;
EXCEPTION WHEN others THEN
  ALTER TABLE users ALTER COLUMN email SET NOT NULL;
END $$;`;
    await expectFindings(sql, ['create-index-without-concurrently@6:5', 'set-not-null@9:3']);
  });

  test('a suppression above the DO block covers the statement inside it', async () => {
    const sql = `-- dbship:allow constraint-without-not-valid comments has 40 rows, checked by hand\n${DRIZZLE_DO_FK.split('--> statement-breakpoint\n')[1]}`;
    await expectFindings(sql, []);
  });

  test('CONCURRENTLY inside a DO block is refused whatever the header says', async () => {
    const [f] = await expectFindings('-- dbship:no-transaction\nDO $$ BEGIN CREATE INDEX CONCURRENTLY i ON users (id); END $$;', ['concurrently-in-transaction@2:13']);
    assert.match(f!.message, /cannot run inside a DO block/);
  });

  test('a DO block is one statement of a no-transaction file', async () => {
    await expectFindings('-- dbship:no-transaction\nDO $$ BEGIN PERFORM 1; UPDATE t SET a = 1; DELETE FROM t; END $$;', []);
  });

  test('a body that does not compile as PL/pgSQL is a syntax error, and the rest of the file is still linted', async () => {
    const findings = await expectFindings('DO $$ BEGIN ALTER TABLE x ADD y; END $$;\nCREATE INDEX z ON users (id);', ['syntax-error@1:1', 'create-index-without-concurrently@2:1']);
    assert.match(findings[0]!.message, /does not compile as PL\/pgSQL/);
  });

  test('DO blocks in another language and EXECUTE strings are not looked into', async () => {
    await expectFindings("DO LANGUAGE plv8 $$ plv8.execute('x') $$;\nDO $$ BEGIN EXECUTE 'CREATE INDEX i ON users (id)'; END $$;", []);
  });
});

describe('a file that ends the transaction itself', () => {
  test('CONCURRENTLY after a top-level COMMIT is reported once, as the COMMIT (transaction-control)', async () => {
    const sql = 'ALTER TABLE "t" ADD COLUMN IF NOT EXISTS "c" numeric;--> statement-breakpoint\nCOMMIT;--> statement-breakpoint\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "t_c_idx" ON "t" ("c");';
    await expectFindings(sql, ['transaction-control@2:1']);
    await expectFindings('COMMIT;\nBEGIN;\nCREATE INDEX CONCURRENTLY i ON t (c);\nCOMMIT;', ['transaction-control@1:1', 'transaction-control@2:1', 'concurrently-in-transaction@3:1', 'transaction-control@4:1']);
  });
});

describe('a table filled in the same file is not empty', () => {
  const cases: [string, string, string[]][] = [
    ['CREATE TABLE AS', 'CREATE TABLE t2 AS SELECT * FROM users;\nCREATE INDEX t2_id ON t2 (id);\nALTER TABLE t2 ADD PRIMARY KEY (id);', ['create-index-without-concurrently@2:1', 'add-unique-constraint@3:20']],
    ['SELECT INTO', 'SELECT * INTO t3 FROM users;\nCREATE INDEX t3_id ON t3 (id);', ['create-index-without-concurrently@2:1']],
    ['INSERT ... SELECT', 'CREATE TABLE t4 (id int);\nINSERT INTO t4 SELECT id FROM users;\nALTER TABLE t4 ADD CONSTRAINT t4_id_check CHECK (id > 0);', ['constraint-without-not-valid@3:20']],
    ['INSERT ... VALUES', "CREATE TABLE t5 (id int, v text);\nINSERT INTO t5 VALUES (1, 'a');\nALTER TABLE t5 ALTER COLUMN v SET NOT NULL;", ['set-not-null@3:1']],
    ['a rewrite after a fill', 'CREATE TABLE t6 (id int);\nINSERT INTO t6 SELECT 1;\nALTER TABLE t6 SET LOGGED;', ['set-logged-unlogged@3:1']],
  ];
  for (const [name, sql, expected] of cases) {
    test(`${name}: keys, indexes and checks added after it are reported, naming the line that filled it`, async () => {
      const findings = await expectFindings(sql, expected);
      assert.match(findings[0]!.message, /\(created in this file and filled at line [12]\)/);
    });
  }

  test('still empty: created WITH NO DATA, or indexed before the fill', async () => {
    await expectFindings('CREATE TABLE t7 AS SELECT * FROM users WITH NO DATA;\nCREATE INDEX t7_id ON t7 (id);\nCREATE TABLE t8 (id int);\nCREATE INDEX t8_id ON t8 (id);\nINSERT INTO t8 VALUES (1);', []);
  });

  test('a filled new table is still new for the release rules (drop, mixed DDL and data)', async () => {
    await expectFindings('CREATE TABLE t9 AS SELECT * FROM users;\nALTER TABLE t9 DROP COLUMN email;\nUPDATE t9 SET name = lower(name);', []);
  });
});

describe('new rules', () => {
  test('detach-partition-without-concurrently', async () => {
    await expectFindings('ALTER TABLE measurements DETACH PARTITION measurements_2020;', ['detach-partition-without-concurrently@1:43']);
    await expectFindings('-- dbship:no-transaction\nALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;', []);
    await expectFindings('ALTER TABLE measurements DETACH PARTITION measurements_2020 FINALIZE;', []);
  });

  test('set-logged-unlogged', async () => {
    await expectFindings('ALTER TABLE users SET UNLOGGED;\nALTER TABLE users SET LOGGED;', ['set-logged-unlogged@1:1', 'set-logged-unlogged@2:1']);
    await expectFindings('CREATE TABLE c (id int);\nALTER TABLE c SET UNLOGGED;', []);
  });

  test('refresh-materialized-view-without-concurrently', async () => {
    await expectFindings('REFRESH MATERIALIZED VIEW daily_totals;', ['refresh-materialized-view-without-concurrently@1:27']);
    await expectFindings('REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;\nREFRESH MATERIALIZED VIEW daily_totals WITH NO DATA;', []);
    await expectFindings('CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x WITH NO DATA;\nREFRESH MATERIALIZED VIEW mv;', []);
  });

  test('rename-enum-value', async () => {
    const [f] = await expectFindings("ALTER TYPE app.mood RENAME VALUE 'sad' TO 'unhappy';", ['rename-enum-value@1:1']);
    assert.match(f!.message, /'sad' of enum app\.mood to 'unhappy'/);
    await expectFindings("CREATE TYPE mood AS ENUM ('sad');\nALTER TYPE mood RENAME VALUE 'sad' TO 'unhappy';\nALTER TYPE mood ADD VALUE 'ok';", []);
  });

  test('identifier-too-long: quoted, unquoted and multi-byte names, at the name', async () => {
    const long = `"${'comments_author_account_id_accounts_account_id_fk'}_with_a_suffix_x"`;
    const [f] = await expectFindings(`ALTER TABLE comments ADD CONSTRAINT ${long} FOREIGN KEY (a) REFERENCES accounts (id) NOT VALID;`, ['identifier-too-long@1:37']);
    assert.match(f!.message, /is 65 bytes; PostgreSQL stores it as "comments_author_account_id_accounts_account_id_fk_with_a_suffix"/);
    await expectFindings(`CREATE TABLE ${'a'.repeat(30)}_${'B'.repeat(40)} (id int);`, ['identifier-too-long@1:14']);
    // 31 two-byte letters are 62 bytes; one more is 64: stored as 31 letters, never half a letter.
    const [m] = await expectFindings(`CREATE TABLE t ("${'é'.repeat(32)}" int);`, ['identifier-too-long@1:17']);
    assert.match(m!.message, new RegExp(`is 64 bytes; PostgreSQL stores it as "${'é'.repeat(31)}"`));
  });

  test('identifier-too-long: bodies, comments, strings and 63-byte names are not reported', async () => {
    const text = 'x'.repeat(80);
    await expectFindings(
      `CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT '${text}' $$;\nCOMMENT ON TABLE users IS '${text}';\nCREATE TABLE t${'y'.repeat(62)} (id int);`,
      [],
    );
  });

  test('REINDEX SYSTEM and catalog tables get advice that can be followed (no CONCURRENTLY for them)', async () => {
    const findings = await expectFindings('REINDEX SYSTEM;\nREINDEX TABLE pg_catalog.pg_class;\nREINDEX INDEX pg_class_oid_index;', ['reindex-without-concurrently@1:1', 'reindex-without-concurrently@2:1', 'reindex-without-concurrently@3:1']);
    for (const f of findings) {
      assert.match(f.message, /cannot be done CONCURRENTLY/);
      assert.doesNotMatch(f.fix, /Use REINDEX \.\.\. CONCURRENTLY/);
    }
    const [user] = await expectFindings('REINDEX TABLE users;', ['reindex-without-concurrently@1:1']);
    assert.match(user!.fix, /CONCURRENTLY/);
  });
});
