import assert from 'node:assert/strict';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseRetype } from '../../packages/dbship/src/migrator/generate/online-retype.js';
import { makeProject, NOW, usersModel } from '../helpers/generate-fixture.js';
import { runOnlineScenario } from './online-change.js';
import { releaseSource } from './next-release-source.js';

const LIMIT = 64;
const TEXT_NAME = "name: text('name'),";
const SHORT_NAME = `name: varchar('name', { length: ${LIMIT} }),`;

/**
 * `users.name` narrowed from text to varchar(64): a guarded cast (a NOT VALID check that every
 * write must pass from the expand on, validated by the contract). Release N is the example service
 * as committed; release N+1 its copy with the varchar model. Both write NULLs, short names, and
 * names of exactly 64 characters, most of them two-byte: the bound counts characters, not bytes,
 * and a value at the bound must be kept, never refused or cut.
 */
runOnlineScenario({
  title: 'online narrowing of users.name (text -> varchar(64)) under traffic from release N and release N+1',
  label: 'retype_narrow',
  async release() {
    const p = makeProject({ history: true });
    const models = usersModel({ after: "import { varchar } from 'drizzle-orm/pg-core';" }).replace(TEXT_NAME, SHORT_NAME);
    const result = await generate({ dir: p.dir, name: 'narrow_user_name', schemaPath: p.models(models), now: NOW, retype: parseRetype('users.name') });
    assert.deepEqual(result.migrations.map((m) => m.tag), ['0002_narrow_user_name_expand', '0003_narrow_user_name_backfill', '0004_narrow_user_name_contract']);
    assert.match(p.read('0002_narrow_user_name_expand.sql'), /ADD CONSTRAINT "name_dbship_fits" CHECK \(char_length\("name"\) <= 64\) NOT VALID;/);
    return { dir: p.dir, contract: '0004_narrow_user_name_contract' };
  },
  nextSource: () => releaseSource([[TEXT_NAME, SHORT_NAME], ['import { bigint, pgTable, text, timestamp }', 'import { bigint, pgTable, text, timestamp, varchar }']]),
  value(label, worker, i) {
    if (i % 5 === 2) return null;
    const short = `${label}-w${worker}-${i}`;
    return i % 5 === 3 ? `${short}-`.padEnd(LIMIT, 'é') : short;
  },
  stored: (written) => written,
  finalColumn: 'name',
  goneColumn: 'name_dbship_new',
  // Every seventh seeded row has no name.
  seededSql: "CASE WHEN t.id % 7 = 0 THEN NULL ELSE 'Seed ' || t.id END",
  async finalCheck(db) {
    const type = await db.query<{ type: string }>(`SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'name' AND NOT attisdropped`);
    assert.deepEqual(type.rows, [{ type: `character varying(${LIMIT})` }], 'users.name is a varchar(64)');
    const left = await db.query<{ what: string }>(`
      SELECT 'column ' || attname AS what FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname LIKE 'name_dbship%' AND NOT attisdropped
      UNION ALL SELECT 'constraint ' || conname FROM pg_constraint WHERE conrelid = 'users'::regclass AND conname LIKE '%dbship%'
      UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proname LIKE 'dbship_sync%'`);
    assert.deepEqual(left.rows, [], 'the contract removed the shadow, the old column, the guard and the sync function');
    const bound = await db.query<{ n: string }>(`SELECT count(*) AS n FROM users WHERE char_length(name) = ${LIMIT} AND octet_length(name) > ${LIMIT}`);
    assert.ok(Number(bound.rows[0]!.n) > 0, 'names at the bound, longer than 64 bytes, were written and kept');
  },
});
