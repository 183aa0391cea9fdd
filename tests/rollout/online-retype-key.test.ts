import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseRetype } from '../../packages/dbship/src/migrator/generate/online-retype.js';
import { makeProject, NOW, usersModel } from '../helpers/generate-fixture.js';
import { tempDir } from '../helpers/migrations.js';
import { runOnlineScenario } from './online-change.js';
import { releaseSource } from './next-release-source.js';

const BIGINT_ID = "id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),";
const INTEGER_ID = "id: integer('id').primaryKey().generatedAlwaysAsIdentity(),";

/**
 * The key users.id widened from integer to bigint. Release N is the example service with an
 * integer key (its own models and migrations folder); release N+1 is the example service as
 * committed (a bigint key), with the five migrations of `generate --retype users.id` after N's.
 */
const project = makeProject({ history: false });

runOnlineScenario({
  title: 'online type change of the primary key users.id (integer -> bigint) under traffic from release N and release N+1',
  label: 'retype_key',
  async releaseN() {
    const models = usersModel().replace(BIGINT_ID, INTEGER_ID);
    await generate({ dir: project.dir, name: 'init', schemaPath: project.models(models), now: NOW });
    const dir = tempDir('dbship-release-n-');
    cpSync(project.dir, dir, { recursive: true });
    const source = releaseSource([[BIGINT_ID, INTEGER_ID], ["import { bigint, pgTable", "import { bigint, integer, pgTable"]]);
    return { dir, source };
  },
  async release() {
    const result = await generate({ dir: project.dir, name: 'widen_user_id', schemaPath: project.models(usersModel()), now: NOW, retype: parseRetype('users.id') });
    assert.equal(result.migrations.length, 5);
    return { dir: project.dir, contract: '0004_widen_user_id_contract' };
  },
  nextSource: () => 'src/app/server.ts',
  value: (label, worker, i) => `${label}-w${worker}-${i}`,
  stored: (written) => written,
  finalColumn: 'name',
  goneColumn: 'id_dbship_new',
  // Every seventh seeded row has no name.
  seededSql: "CASE WHEN t.id % 7 = 0 THEN NULL ELSE 'Seed ' || t.id END",
  async finalCheck(db) {
    const key = await db.query<{ type: string; identity: string; pk: boolean }>(`
      SELECT format_type(a.atttypid, a.atttypmod) AS type, a.attidentity AS identity,
             EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND i.indnatts = 1 AND i.indkey[0] = a.attnum) AS pk
        FROM pg_attribute a WHERE a.attrelid = 'users'::regclass AND a.attname = 'id'`);
    assert.deepEqual(key.rows, [{ type: 'bigint', identity: 'a', pk: true }], 'users.id is a bigint identity primary key');
    const max = await db.query<{ ok: boolean }>(`SELECT (SELECT last_value FROM users_id_seq) >= (SELECT max(id) FROM users) AS ok`);
    assert.equal(max.rows[0]!.ok, true, 'the identity sequence is at or past the highest id');
  },
});
