import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';
import { renameRelease } from '../helpers/online-rename.js';
import { RELEASE_N } from '../rollout/release.js';
import { killRunnerWhen } from '../helpers/runner-kill.js';

const ROWS = 60_000;


describe('online backfill: kill -9 mid-backfill, then run again', () => {
  let db: TestDatabase;
  let dir: string;

  before(async () => {
    db = await createTestDatabase('online_crash');
    const r = await runCliProcess(['deploy'], cliEnv(db.url, RELEASE_N));
    assert.equal(r.code, 0, r.stderr);
    await db.query(`INSERT INTO users (email, name) SELECT 'seed' || g || '@example.org', 'Seed ' || g FROM generate_series(1, ${ROWS}) AS g`);
    // Every row the backfill's UPDATE changes (in a schema the drift check does not compare) is counted, with the runner's backend: a batch rolled
    // back by the kill leaves no count, a batch done twice would leave two.
    await db.query(`CREATE SCHEMA testing; CREATE TABLE testing.backfill_hits (id bigint NOT NULL, backend int NOT NULL)`);
    await db.query(`CREATE FUNCTION testing.count_hit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO testing.backfill_hits VALUES (NEW.id, pg_backend_pid()); RETURN NEW; END $$`);
    await db.query(`CREATE TRIGGER count_hit AFTER UPDATE ON users FOR EACH ROW WHEN (current_setting('application_name') LIKE 'dbship:%') EXECUTE FUNCTION testing.count_hit()`);
    ({ dir } = await renameRelease({ batch: 250, pause: 10 }));
  });
  after(async () => db?.drop());

  it('resumes after the last committed batch: every row is backfilled exactly once', async () => {
    await killRunnerWhen(db, dir, async () => Number((await db.query<{ n: string }>(`SELECT coalesce(max(rows_done), 0) AS n FROM dbship.backfills`)).rows[0]!.n) >= ROWS / 4, 'a quarter is backfilled');

    const saved = await db.query<{ last_key: string; rows_done: string }>(`SELECT last_key, rows_done FROM dbship.backfills WHERE name = '0003_rename_user_name_backfill'`);
    assert.equal(saved.rowCount, 1, 'the progress survives the kill');
    const lastKey = Number(saved.rows[0]!.last_key);
    assert.ok(lastKey > 0 && lastKey < ROWS, `stopped mid-table (last key ${lastKey})`);
    const hitsBefore = await db.query<{ n: string; max: string | null }>(`SELECT count(*) AS n, max(id) AS max FROM testing.backfill_hits`);
    assert.equal(Number(hitsBefore.rows[0]!.n), Number(saved.rows[0]!.rows_done), 'the progress row counts exactly the committed rows');
    assert.equal(Number(hitsBefore.rows[0]!.max), lastKey, 'and ends at its last key');
    const status = await runCliProcess(['status'], cliEnv(db.url, dir));
    assert.match(status.stdout, new RegExp(`backfill: 0003_rename_user_name_backfill under way: ${saved.rows[0]!.rows_done} rows done, up to key ${lastKey}`));

    const second = await runCliProcess(['deploy'], cliEnv(db.url, dir));
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout + second.stderr, new RegExp(`resuming the backfill after key ${lastKey}`));

    const hits = await db.query<{ id: string; n: string }>(`SELECT id, count(*) AS n FROM testing.backfill_hits GROUP BY id HAVING count(*) > 1 LIMIT 5`);
    assert.deepEqual(hits.rows, [], 'no row done twice');
    const total = await db.query<{ n: string; backends: string }>(`SELECT count(DISTINCT id) AS n, count(DISTINCT backend) AS backends FROM testing.backfill_hits`);
    assert.equal(Number(total.rows[0]!.n), ROWS, 'no row missed');
    assert.equal(Number(total.rows[0]!.backends), 2, 'the rows were shared by the killed run and the resumed one');
    const secondRun = await db.query<{ min: string }>(`SELECT min(id) AS min FROM testing.backfill_hits WHERE backend <> (SELECT backend FROM testing.backfill_hits WHERE id = 1)`);
    assert.equal(Number(secondRun.rows[0]!.min), lastKey + 1, 'the resumed run started right after the persisted key');
    assert.equal((await db.query(`SELECT 1 FROM users WHERE full_name IS DISTINCT FROM 'Seed ' || id`)).rowCount, 0, 'every row holds its own value (the contract then dropped the old column)');
    assert.equal((await db.query(`SELECT 1 FROM dbship.migrations WHERE name = '0003_rename_user_name_backfill'`)).rowCount, 1);
  });
});

describe('online backfill: two runners at once', () => {
  let db: TestDatabase;
  after(async () => db?.drop());

  it('the second waits for the migration lock and finds the backfill done: every row once', async () => {
    db = await createTestDatabase('online_two_runners');
    const r = await runCliProcess(['deploy'], cliEnv(db.url, RELEASE_N));
    assert.equal(r.code, 0, r.stderr);
    const rows = 20_000;
    await db.query(`INSERT INTO users (email, name) SELECT 'seed' || g || '@example.org', 'Seed ' || g FROM generate_series(1, ${rows}) AS g`);
    await db.query(`CREATE SCHEMA testing; CREATE TABLE testing.backfill_hits (id bigint NOT NULL, backend int NOT NULL)`);
    await db.query(`CREATE FUNCTION testing.count_hit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO testing.backfill_hits VALUES (NEW.id, pg_backend_pid()); RETURN NEW; END $$`);
    await db.query(`CREATE TRIGGER count_hit AFTER UPDATE ON users FOR EACH ROW WHEN (current_setting('application_name') LIKE 'dbship:%') EXECUTE FUNCTION testing.count_hit()`);
    const { dir } = await renameRelease({ batch: 200 });
    const [a, b] = await Promise.all([runCliProcess(['deploy'], cliEnv(db.url, dir)), runCliProcess(['deploy'], cliEnv(db.url, dir))]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const applies = await db.query<{ name: string; n: string }>(`SELECT name, count(*) AS n FROM dbship.history WHERE action = 'apply' AND name LIKE '%rename%' GROUP BY name ORDER BY name`);
    assert.deepEqual(applies.rows.map((x) => [x.name, Number(x.n)]), [['0002_rename_user_name_expand', 1], ['0003_rename_user_name_backfill', 1], ['0004_rename_user_name_contract', 1]]);
    const twice = await db.query(`SELECT id FROM testing.backfill_hits GROUP BY id HAVING count(*) > 1 LIMIT 5`);
    assert.deepEqual(twice.rows, [], 'no row backfilled twice');
    const total = await db.query<{ n: string; backends: string }>(`SELECT count(DISTINCT id) AS n, count(DISTINCT backend) AS backends FROM testing.backfill_hits`);
    assert.deepEqual([Number(total.rows[0]!.n), Number(total.rows[0]!.backends)], [rows, 1], 'one runner did the whole backfill');
  });
});
