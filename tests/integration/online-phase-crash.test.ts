import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseFill } from '../../packages/dbship/src/migrator/generate/online-fill.js';
import { parseRetype } from '../../packages/dbship/src/migrator/generate/online-retype.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeProject, NOW, usersModel } from '../helpers/generate-fixture.js';
import { cliEnv, runCliProcess, setBackfillThrottle } from '../helpers/migrations.js';
import { killRunnerWhen, runnerSessions } from '../helpers/runner-kill.js';
import { SPLIT_MODELS, splitRequest } from '../helpers/online-split.js';

/**
 * `kill -9` of the runner in the middle of an online change's expand, backfill or contract. The backfill resumes after its
 * last committed batch. The expand and the contract are each one
 * transaction, so the database must be exactly as before the step (no column, function, trigger,
 * constraint or tracking row of it), and the next run applies it. The runner is caught mid-step by
 * an event trigger that sleeps after one of the step's statements, for dbship's sessions only: the
 * statements before it ran, the ones after it and the commit did not. The killed client's backend is
 * then ended by dead-client detection (`client_connection_check_interval`, set by the runner), not
 * by the test.
 */

interface Change {
  readonly label: string;
  /** Release N's models (the committed history, plus what the change needs). */
  readonly before: string;
  readonly after: string;
  readonly seedSql: string;
  readonly options: () => Promise<Partial<Parameters<typeof generate>[0]>>;
  /** Holds after the whole change: the new shape, every row's value kept. */
  readonly finalCheck: string;
}

const CHANGES: readonly Change[] = [
  {
    label: 'rename',
    before: usersModel(),
    after: usersModel().replace("name: text('name'),", "name: text('full_name'),"),
    seedSql: `INSERT INTO users (email, name) SELECT 'seed' || g || '@example.org', 'Seed ' || g FROM generate_series(1, 3000) AS g`,
    options: async () => ({ rename: { table: 'public.users', from: 'name', to: 'full_name' } }),
    finalCheck: `SELECT count(*) = 3000 AND count(*) FILTER (WHERE full_name = 'Seed ' || id) = 3000 AS ok FROM users`,
  },
  {
    label: 'fill',
    before: usersModel(),
    after: usersModel().replace("name: text('name'),", "name: text('name').notNull(),"),
    seedSql: `INSERT INTO users (email, name) SELECT 'seed' || g || '@example.org', CASE WHEN g % 3 = 0 THEN NULL ELSE 'Seed ' || g END FROM generate_series(1, 3000) AS g`,
    options: async () => ({ fill: await parseFill("users.name='(unknown)'") }),
    finalCheck: `SELECT count(*) FILTER (WHERE name = CASE WHEN id % 3 = 0 THEN '(unknown)' ELSE 'Seed ' || id END) = 3000 AS ok FROM users`,
  },
  {
    label: 'retype',
    before: usersModel({ columns: ["score: integer('score').notNull().default(0),"] }),
    after: usersModel({ columns: ["score: bigint('score', { mode: 'number' }).notNull().default(0),"] }),
    seedSql: `INSERT INTO users (email, name, score) SELECT 'seed' || g || '@example.org', 'Seed ' || g, g * 1000 FROM generate_series(1, 3000) AS g`,
    options: async () => ({ retype: parseRetype('users.score') }),
    finalCheck: `SELECT count(*) FILTER (WHERE score = id * 1000) = 3000 AND pg_typeof(min(score))::text = 'bigint' AS ok FROM users`,
  },
  {
    label: 'split',
    before: usersModel(),
    after: SPLIT_MODELS,
    seedSql: `INSERT INTO users (email, name) SELECT 'seed' || g || '@example.org', 'Seed ' || g FROM generate_series(1, 3000) AS g`,
    options: async () => ({ split: await splitRequest() }),
    finalCheck: `SELECT count(*) FILTER (WHERE first_name = 'Seed' AND last_name = id::text) = 3000 AS ok FROM users`,
  },
];

/** What the step could leave behind: columns, constraints, triggers, functions, indexes, tracking rows. */
const FINGERPRINT = `SELECT json_build_object(
  'columns', (SELECT json_agg(concat_ws(' ', column_name, data_type, is_nullable, column_default) ORDER BY column_name) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'users'),
  'constraints', (SELECT json_agg(concat_ws(' ', conname, convalidated, pg_get_constraintdef(oid)) ORDER BY conname) FROM pg_constraint WHERE conrelid = 'public.users'::regclass),
  'triggers', (SELECT json_agg(tgname ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'public.users'::regclass AND NOT tgisinternal),
  'functions', (SELECT json_agg(proname ORDER BY proname) FROM pg_proc WHERE pronamespace = 'public'::regnamespace),
  'indexes', (SELECT json_agg(indexdef ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'users'),
  'applied', (SELECT json_agg(name ORDER BY name) FROM dbship.migrations)
)::text AS state`;

async function fingerprint(db: TestDatabase): Promise<unknown> {
  return JSON.parse((await db.query<{ state: string }>(FINGERPRINT)).rows[0]!.state);
}

/** Makes dbship's sessions sleep right after each DDL statement tagged `tag`, until killed. */
async function stallAfter(db: TestDatabase, tag: string): Promise<void> {
  await db.query(`CREATE SCHEMA IF NOT EXISTS testing`);
  await db.query(`CREATE OR REPLACE FUNCTION testing.stall() RETURNS event_trigger LANGUAGE plpgsql AS $$
    BEGIN IF current_setting('application_name') LIKE 'dbship:%' THEN PERFORM pg_sleep(120); END IF; END $$`);
  await db.query(`CREATE EVENT TRIGGER stall_dbship ON ddl_command_end WHEN TAG IN ('${tag}') EXECUTE FUNCTION testing.stall()`);
}


/** Kills `deploy` while its migration session sleeps in the middle of a step. */
function killMidStep(db: TestDatabase, dir: string): Promise<void> {
  return killRunnerWhen(db, dir, async () => (await runnerSessions(db, `wait_event = 'PgSleep'`)) === 1, 'the runner is in the middle of the step');
}

for (const change of CHANGES) {
  describe(`online ${change.label}: kill -9 in the middle of the expand, the backfill and the contract`, () => {
    const dbs: TestDatabase[] = [];
    after(async () => {
      for (const db of dbs) await db.drop();
    });

    /** Release N deployed and seeded, and release N+1's folder with the change: [db, dir, tags]. */
    async function setup(phase: string): Promise<[TestDatabase, string, string[]]> {
      const db = await createTestDatabase(`online_kill_${change.label}_${phase}`);
      dbs.push(db);
      const p = makeProject({ history: true });
      if (change.before !== usersModel()) await generate({ dir: p.dir, name: 'add_score', schemaPath: p.models(change.before), now: NOW });
      const n = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
      assert.equal(n.code, 0, n.stderr);
      await db.query(change.seedSql);
      const result = await generate({ dir: p.dir, name: `online_${change.label}`, schemaPath: p.models(change.after), now: NOW, ...(await change.options()) });
      return [db, p.dir, result.migrations.map((m) => m.tag)];
    }

    it('expand: killed after its trigger is created, nothing of it remains; the rerun applies the whole change', async () => {
      const [db, dir, tags] = await setup('expand');
      const before = await fingerprint(db);
      await stallAfter(db, 'CREATE TRIGGER');
      await killMidStep(db, dir);
      assert.deepEqual(await fingerprint(db), before, 'the database is exactly as before the expand');
      await db.query('DROP EVENT TRIGGER stall_dbship');
      const rerun = await runCliProcess(['deploy'], cliEnv(db.url, dir));
      assert.equal(rerun.code, 0, rerun.stderr);
      const applied = await db.query<{ name: string }>(`SELECT name FROM dbship.migrations WHERE name = ANY($1) ORDER BY name`, [tags]);
      assert.deepEqual(applied.rows.map((r) => r.name), tags);
      assert.equal((await db.query<{ ok: boolean }>(change.finalCheck)).rows[0]!.ok, true, 'every row holds its value in the new shape');
    });

    it('backfill: killed after a few batches, the rerun resumes after the saved key; every row ends in the new shape', async () => {
      const [db, dir, tags] = await setup('backfill');
      // Small, slow batches, so that the kill lands in the middle.
      setBackfillThrottle(path.join(dir, `${tags[1]}.sql`), { batch: 100, pause: 50 });
      const batches = async () => Number((await db.query<{ n: string }>(`SELECT coalesce(max(batches), 0) AS n FROM dbship.backfills`)).rows[0]!.n);
      await killRunnerWhen(db, dir, async () => (await batches()) >= 5, 'five batches are committed');
      const saved = (await db.query<{ last_key: string }>(`SELECT last_key FROM dbship.backfills WHERE name = $1`, [tags[1]])).rows[0];
      assert.ok(saved && Number(saved.last_key) < 3000, 'the progress survives the kill, mid-table');
      assert.equal((await db.query(`SELECT 1 FROM dbship.migrations WHERE name = $1`, [tags[1]])).rowCount, 0, 'the backfill is not recorded');
      const rerun = await runCliProcess(['deploy'], cliEnv(db.url, dir));
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.match(rerun.stdout + rerun.stderr, new RegExp(`resuming the backfill after key ${saved.last_key}`));
      assert.equal((await db.query<{ ok: boolean }>(change.finalCheck)).rows[0]!.ok, true, 'every row holds its value in the new shape');
    });

    it('contract: killed after it dropped the sync function, the old shape and the trigger are all still there; the rerun completes', async () => {
      const [db, dir, tags] = await setup('contract');
      const backfill = tags[1]!;
      const upTo = await runCliProcess(['upgrade', '--to', backfill], cliEnv(db.url, dir));
      assert.equal(upTo.code, 0, upTo.stderr);
      // A write of release N after the backfill, kept in step by the trigger the killed contract dropped.
      await db.query(change.label === 'retype' ? `UPDATE users SET score = 7000 WHERE id = 7` : `UPDATE users SET name = 'Seed 7' WHERE id = 7`);
      const before = await fingerprint(db);
      await stallAfter(db, 'DROP FUNCTION');
      await killMidStep(db, dir);
      assert.deepEqual(await fingerprint(db), before, 'the database is exactly as after the backfill');
      await db.query(change.label === 'retype' ? `UPDATE users SET score = 7000 WHERE id = 7` : `UPDATE users SET name = 'Seed 7' WHERE id = 7`);
      await db.query('DROP EVENT TRIGGER stall_dbship');
      const rerun = await runCliProcess(['deploy'], cliEnv(db.url, dir));
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.equal((await db.query(`SELECT 1 FROM dbship.migrations WHERE name = $1`, [tags.at(-1)])).rowCount, 1, 'the contract is recorded once');
      assert.equal((await db.query(`SELECT 1 FROM pg_trigger WHERE tgname LIKE 'dbship_sync%'`)).rowCount, 0, 'no sync trigger is left');
      assert.equal((await db.query<{ ok: boolean }>(change.finalCheck)).rows[0]!.ok, true, 'every row holds its value in the new shape');
    });
  });
}
