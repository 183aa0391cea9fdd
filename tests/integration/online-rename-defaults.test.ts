import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { addColumn, defaultFunction, setMarkerDefault, syncFunction, syncName, syncTrigger, type RenameObjects } from '../../packages/dbship/src/migrator/generate/online-sql.js';
import { startReleaseHeartbeat } from '../../packages/dbship/src/release-heartbeat.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';
import { constrainedRelease } from '../helpers/online-rename-constrained.js';

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: { code?: string }) => err.code === code);
}

async function column(db: TestDatabase, name: string): Promise<string | undefined> {
  const r = await db.query<{ line: string }>(`SELECT data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '-') AS line FROM information_schema.columns WHERE table_name = 'users' AND column_name = $1`, [name]);
  return r.rows[0]?.line;
}

describe('online rename of a column with a default, a foreign key, an index and a check (users.team_id -> group_id)', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let release: Awaited<ReturnType<typeof constrainedRelease>>;
  const env = () => cliEnv(db.url, release.project.dir);
  const pair = async (email: string) => (await db.query<{ team_id: string; group_id: string }>(`SELECT team_id, group_id FROM users WHERE email = $1`, [email])).rows.map((x) => [Number(x.team_id), Number(x.group_id)])[0];

  before(async () => {
    db = await createTestDatabase('online_rename_default');
    pool = new pg.Pool({ ...clientConfig(db.connection, 'online-rename-default-test'), max: 4 });
    release = await constrainedRelease({ column: 'team_id', to: 'group_id', name: 'rename_team' });
    const r = await runCliProcess(['deploy'], cliEnv(db.url, release.releaseN));
    assert.equal(r.code, 0, r.stderr);
    await db.query(`INSERT INTO teams VALUES (1), (2), (3)`);
    await db.query(`INSERT INTO users (email, team_id) SELECT 'seed' || g || '@example.org', 1 + g % 3 FROM generate_series(1, 500) AS g`);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('during the window, every insert keeps both columns equal: left out by either release (the default), set by either, one row at a time or many', async () => {
    assert.deepEqual(release.tags, ['0005_rename_team_expand', '0006_rename_team_backfill', '0007_rename_team_index', '0008_rename_team_contract']);
    const n = startReleaseHeartbeat(pool, { version: '0004_add_teams_concurrently', instance: 'release-n/1', intervalMs: 200 });
    assert.equal(await n.beat(), true);
    const r = await runCliProcess(['deploy'], env());
    await n.stop();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /0008_rename_team_contract not applied yet/);
    assert.equal((await db.query('SELECT 1 FROM users WHERE group_id IS DISTINCT FROM team_id')).rowCount, 0, 'backfilled');

    await pool.query(`INSERT INTO users (email) VALUES ('both-left-out@x')`); // release N or N+1 leaving the column out
    await pool.query(`INSERT INTO users (email, team_id) VALUES ('n-sets@x', 2)`);
    await pool.query(`INSERT INTO users (email, group_id) VALUES ('n1-sets@x', 3)`);
    await pool.query(`INSERT INTO users (email, team_id) VALUES ('n-sets-default@x', 1)`);
    await pool.query(`INSERT INTO users (email, group_id) VALUES ('n1-many-a@x', 3), ('n1-many-b@x', DEFAULT)`);
    await pool.query(`INSERT INTO users (email, team_id) VALUES ('n-many-a@x', 2), ('n-many-b@x', 3), ('n-many-c@x', DEFAULT)`);
    await pool.query(`INSERT INTO users (email, team_id) SELECT 'n-select-' || g || '@x', 1 + g % 3 FROM generate_series(1, 30) AS g`);
    const client = await pool.connect();
    try {
      // Release N+1 leaves the column out, then sets it, in one transaction: nothing carries over between rows.
      await client.query('BEGIN');
      await client.query(`INSERT INTO users (email) VALUES ('tx-left-out@x')`);
      await client.query(`INSERT INTO users (email, group_id) VALUES ('tx-sets@x', 2)`);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const expected: Record<string, number> = { 'both-left-out@x': 1, 'n-sets@x': 2, 'n1-sets@x': 3, 'n-sets-default@x': 1, 'n1-many-a@x': 3, 'n1-many-b@x': 1, 'n-many-a@x': 2, 'n-many-b@x': 3, 'n-many-c@x': 1, 'tx-left-out@x': 1, 'tx-sets@x': 2 };
    for (const [email, team] of Object.entries(expected)) assert.deepEqual(await pair(email), [team, team], email);
    assert.equal((await db.query(`SELECT 1 FROM users WHERE email LIKE 'n-select-%' AND group_id IS DISTINCT FROM team_id`)).rowCount, 0);

    await pool.query(`UPDATE users SET group_id = 2 WHERE email = 'both-left-out@x'`);
    await pool.query(`UPDATE users SET team_id = 3 WHERE email = 'n-sets@x'`);
    await pool.query(`UPDATE users SET group_id = DEFAULT WHERE email = 'n1-sets@x'`);
    assert.deepEqual([await pair('both-left-out@x'), await pair('n-sets@x'), await pair('n1-sets@x')], [[2, 2], [3, 3], [1, 1]]);
    await rejects(pool.query(`INSERT INTO users (email, group_id) VALUES ('null@x', NULL)`), '23502');
    await rejects(pool.query(`INSERT INTO users (email, group_id) VALUES ('fk@x', 99)`), '23503');
    await rejects(pool.query(`INSERT INTO users (email, group_id) VALUES ('check@x', 0)`), '23514');
    await rejects(pool.query(`INSERT INTO users (email, team_id) VALUES ('check@x', 0)`), '23514');
    const drift = await runCliProcess(['drift'], env());
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
  });

  it('the contract leaves group_id NOT NULL with the default, the foreign key, index and check under their names; its down file goes back', async () => {
    const r = await runCliProcess(['deploy'], env());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await column(db, 'group_id'), 'bigint NO 1');
    assert.equal(await column(db, 'team_id'), undefined);
    const objects = await db.query<{ line: string }>(`
      SELECT conname || ' ' || pg_get_constraintdef(oid) AS line FROM pg_constraint WHERE conrelid = 'users'::regclass AND conname LIKE '%team%' OR conname LIKE '%group%'
      UNION ALL SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE tablename = 'users' AND indexname LIKE '%team%'
      UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'dbship%' ORDER BY 1`);
    assert.deepEqual(objects.rows.map((x) => x.line), [
      'users_group_id_teams_id_fk FOREIGN KEY (group_id) REFERENCES teams(id)',
      'users_team_check CHECK ((group_id > 0))',
      'users_team_idx CREATE INDEX users_team_idx ON public.users USING btree (group_id)',
    ]);
    await pool.query(`INSERT INTO users (email) VALUES ('after@x')`);
    assert.equal((await db.query<{ g: string }>(`SELECT group_id AS g FROM users WHERE email = 'after@x'`)).rows[0]!.g, '1');
    const drift = await runCliProcess(['drift'], env());
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);

    const down = await runCliProcess(['downgrade', '--steps', '1', '--yes'], env());
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await column(db, 'team_id'), 'bigint NO 1');
    assert.equal(await column(db, 'group_id'), 'bigint YES dbship_sync_users_team_id_default()');
    await pool.query(`INSERT INTO users (email, team_id) VALUES ('down@x', 2)`);
    assert.deepEqual(await pair('down@x'), [2, 2]);
    const again = await runCliProcess(['deploy'], env());
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await column(db, 'group_id'), 'bigint NO 1');
  });
});

describe('the sync trigger with a volatile default: which release left which column out is known exactly', () => {
  let db: TestDatabase;
  after(async () => db?.drop());

  for (const [type, dflt, value] of [['timestamptz', 'clock_timestamp()', "'2001-02-03 04:05:06+00'"], ['uuid', 'gen_random_uuid()', "'00000000-0000-0000-0000-000000000001'"]] as const) {
    it(`${type} DEFAULT ${dflt}`, async () => {
      db ??= await createTestDatabase('online_rename_volatile');
      const table = `t_${type}`;
      await db.query(`CREATE TABLE ${table} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tag text, old ${type} DEFAULT ${dflt})`);
      const sync = syncName(table, 'old', 'new');
      const o: RenameObjects = { schema: 'public', table, from: 'old', to: 'new', type, key: 'id', sync, defaulted: { sql: dflt, fn: `${sync}_default`, setting: `dbship.${sync}_default` } };
      for (const sql of [addColumn(o, 'new'), defaultFunction(o, o.defaulted!), setMarkerDefault(o, o.defaulted!), syncFunction(o), syncTrigger(o)]) await db.query(sql);
      await db.query(`INSERT INTO ${table} (tag, old) VALUES ('n-sets', ${value})`);
      await db.query(`INSERT INTO ${table} (tag) VALUES ('left-out')`);
      await db.query(`INSERT INTO ${table} (tag, new) VALUES ('n1-sets', ${value})`);
      await db.query(`INSERT INTO ${table} (tag, old) VALUES ('n-null', NULL)`);
      await db.query(`INSERT INTO ${table} (tag, new) VALUES ('n1-null', NULL)`);
      await db.query(`INSERT INTO ${table} (tag, old) SELECT 'n-many', ${value} FROM generate_series(1, 20)`);
      await db.query(`BEGIN; INSERT INTO ${table} (tag) VALUES ('tx-left-out'); INSERT INTO ${table} (tag, new) VALUES ('tx-n1-sets', ${value}); COMMIT`);
      const rows = await db.query<{ tag: string; same: boolean; old: string | null }>(`SELECT tag, old IS NOT DISTINCT FROM new AS same, old::text FROM ${table} ORDER BY id`);
      assert.ok(rows.rows.every((x) => x.same), JSON.stringify(rows.rows));
      const valueOf = (tag: string) => rows.rows.find((x) => x.tag === tag)!.old;
      assert.equal(valueOf('n-null'), null);
      assert.equal(valueOf('n1-null'), null);
      assert.notEqual(valueOf('left-out'), null);
      assert.equal(valueOf('n1-sets'), valueOf('n-sets'));
      assert.equal(valueOf('tx-n1-sets'), valueOf('n-sets'));
    });
  }
});
