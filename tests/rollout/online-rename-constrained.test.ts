import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { NAME_MAX_LENGTH } from '../../src/app/users/schemas.js';
import type { TestDatabase } from '../helpers/db.js';
import { makeProject, NOW, usersModel } from '../helpers/generate-fixture.js';
import { tempDir } from '../helpers/migrations.js';
import { runOnlineScenario } from './online-change.js';
import { releaseSource } from './next-release-source.js';

const NAME = "name: text('name'),";
const FULL_NAME = "name: text('full_name'),";
/** The check's bound: the API's longest name. */
const LIMIT = NAME_MAX_LENGTH;
/** The constraints of `name` (NOT NULL is not one: the seeded rows and the API allow no name). */
const EXTRAS = ["index('users_name_idx').on(t.name)", `check('users_name_check', sql\`char_length(\${t.name}) <= ${LIMIT}\`)`];

/** The example service's models with `name`'s index and check (and, for release N+1, `name` mapped to `full_name`). */
function constrainedSource(renamed: boolean): string {
  return releaseSource([
    ["import { bigint, pgTable, text, timestamp } from 'drizzle-orm/pg-core';", "import { sql } from 'drizzle-orm';\nimport { bigint, check, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';"],
    ['defaultNow(),\n});', `defaultNow(),\n}, (t) => [${EXTRAS.join(', ')}]);`],
    ...(renamed ? [[NAME, FULL_NAME] as const] : []),
  ]);
}

/**
 * Every row's full_name in the index's order, read through users_name_idx (the planner's other
 * scans disabled) or through the table (index scans disabled), with the plan that did it: a row
 * the index build missed, or an entry with a stale value, makes the two differ.
 */
async function namesThrough(db: TestDatabase, via: 'index' | 'table'): Promise<{ plan: string; names: Array<string | null> }> {
  const client = new pg.Client(clientConfig(db.connection, 'dbship-tests'));
  await client.connect();
  try {
    await client.query(via === 'index' ? 'SET enable_seqscan = off; SET enable_bitmapscan = off' : 'SET enable_indexscan = off; SET enable_indexonlyscan = off; SET enable_bitmapscan = off');
    const select = 'SELECT full_name FROM users ORDER BY full_name';
    const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${select}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
    return { plan, names: (await client.query<{ full_name: string | null }>(select)).rows.map((r) => r.full_name) };
  } finally {
    await client.end();
  }
}

/**
 * `users.name`, which carries an index and a check, renamed to `full_name`. Release N is the
 * example service with that index and check (its own models and migrations folder: the history,
 * then the check and the index); release N+1 the same with the column renamed, four steps after
 * N's: the expand copies the check NOT VALID onto full_name, the index step builds the index on it
 * CONCURRENTLY under a temporary name, and the contract validates the check and gives both their
 * final names.
 */
const project = makeProject({ history: true });

runOnlineScenario({
  title: 'online rename of a column with an index and a check (users.name -> full_name) under traffic from release N and release N+1',
  label: 'rename_constrained',
  async releaseN() {
    const setup = await generate({ dir: project.dir, name: 'constrain_user_name', schemaPath: project.models(usersModel({ extras: EXTRAS })), now: NOW });
    assert.deepEqual(setup.migrations.map((m) => m.tag), ['0002_constrain_user_name', '0003_constrain_user_name_validate', '0004_constrain_user_name_concurrently']);
    const dir = tempDir('dbship-release-n-');
    cpSync(project.dir, dir, { recursive: true });
    return { dir, source: constrainedSource(false) };
  },
  async release() {
    const models = usersModel({ extras: EXTRAS }).replace(NAME, FULL_NAME);
    const result = await generate({ dir: project.dir, name: 'rename_user_name', schemaPath: project.models(models), now: NOW, rename: { table: 'public.users', from: 'name', to: 'full_name' } });
    assert.deepEqual(result.migrations.map((m) => m.tag), ['0005_rename_user_name_expand', '0006_rename_user_name_backfill', '0007_rename_user_name_index', '0008_rename_user_name_contract']);
    return { dir: project.dir, contract: '0008_rename_user_name_contract' };
  },
  nextSource: () => constrainedSource(true),
  // NULLs (the check lets them pass) and names at the check's bound, in two-byte characters.
  value(label, worker, i) {
    if (i % 5 === 2) return null;
    const short = `${label}-w${worker}-${i}`;
    return i % 5 === 3 ? `${short}-`.padEnd(LIMIT, 'é') : short;
  },
  stored: (written) => written,
  finalColumn: 'full_name',
  goneColumn: 'name',
  // Every seventh seeded row has no name.
  seededSql: "CASE WHEN t.id % 7 = 0 THEN NULL ELSE 'Seed ' || t.id END",
  async finalCheck(db) {
    const index = await db.query<{ def: string; valid: boolean }>(`
      SELECT pg_get_indexdef(i.indexrelid) AS def, i.indisvalid AS valid
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'users'::regclass AND c.relname = 'users_name_idx'`);
    assert.deepEqual(index.rows, [{ def: 'CREATE INDEX users_name_idx ON public.users USING btree (full_name)', valid: true }], 'the index is on full_name, under its final name, valid');
    const check = await db.query<{ def: string; validated: boolean }>(`SELECT pg_get_constraintdef(oid) AS def, convalidated AS validated FROM pg_constraint WHERE conrelid = 'users'::regclass AND conname = 'users_name_check'`);
    assert.deepEqual(check.rows, [{ def: `CHECK ((char_length(full_name) <= ${LIMIT}))`, validated: true }], 'the check is on full_name, under its final name, validated');
    const left = await db.query<{ what: string }>(`
      SELECT 'relation ' || relname AS what FROM pg_class WHERE relname LIKE 'dbship_new%'
      UNION ALL SELECT 'constraint ' || conname FROM pg_constraint WHERE conname LIKE 'dbship_new%'
      UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proname LIKE 'dbship_sync%'
      UNION ALL SELECT 'invalid index ' || c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid`);
    assert.deepEqual(left.rows, [], 'no temporary object or INVALID index is left');
    const [indexed, table] = [await namesThrough(db, 'index'), await namesThrough(db, 'table')];
    assert.match(indexed.plan, /Index Only Scan using users_name_idx|Index Scan using users_name_idx/, indexed.plan);
    assert.doesNotMatch(table.plan, /users_name_idx/, table.plan);
    assert.equal(indexed.names.length, table.names.length, 'the index has an entry for every row');
    assert.deepEqual(indexed.names, table.names, 'the index built CONCURRENTLY under traffic holds every row\'s value');
    const bound = await db.query<{ n: string }>(`SELECT count(*) AS n FROM users WHERE char_length(full_name) = ${LIMIT}`);
    assert.ok(Number(bound.rows[0]!.n) > 0, 'names at the check\'s bound were written and kept');
  },
});
