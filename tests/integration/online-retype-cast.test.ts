import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { check } from '../../packages/dbship/src/migrator/generate/check.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseUsing } from '../../packages/dbship/src/migrator/generate/online-cast.js';
import { parseRetype } from '../../packages/dbship/src/migrator/generate/online-retype.js';
import { startReleaseHeartbeat, type ReleaseHeartbeat } from '../../packages/dbship/src/release-heartbeat.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeProject, NOW, usersModel, type Project } from '../helpers/generate-fixture.js';
import { cliEnv, runCliProcess, setBackfillThrottle } from '../helpers/migrations.js';

const VARCHAR = "import { varchar } from 'drizzle-orm/pg-core';";
const TEXT_NICK = usersModel({ columns: ["nick: text('nick'),"] });
const SHORT_NICK = usersModel({ columns: ["nick: varchar('nick', { length: 20 }),"], after: VARCHAR });
const BIGINT_POINTS = usersModel({ columns: ["points: bigint('points', { mode: 'number' }).notNull().default(0),"] });
const INTEGER_POINTS = usersModel({ columns: ["points: integer('points').notNull().default(0),"] });
const LOCAL_SEEN = usersModel({ columns: ["seenAt: timestamp('seen_at'),"] });
const ZONED_SEEN = usersModel({ columns: ["seenAt: timestamp('seen_at', { withTimezone: true }),"] });
const [EXPAND, BACKFILL, CONTRACT] = ['0003_retype_expand', '0004_retype_backfill', '0005_retype_contract'];

interface Column { type: string; length: number | null; nullable: string; default: string | null }

async function columnOf(db: TestDatabase, name: string): Promise<Column | undefined> {
  const r = await db.query<{ data_type: string; character_maximum_length: number | null; is_nullable: string; column_default: string | null }>(
    `SELECT data_type, character_maximum_length, is_nullable, column_default FROM information_schema.columns WHERE table_name = 'users' AND column_name = $1`, [name]);
  const c = r.rows[0];
  return c ? { type: c.data_type, length: c.character_maximum_length, nullable: c.is_nullable, default: c.column_default } : undefined;
}

async function applied(db: TestDatabase): Promise<string[]> {
  return (await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY name')).rows.map((r) => r.name);
}

/** The error a failed run logged (its JSON line): message, details, why and fix as one text. */
function failure(r: { stdout: string; stderr: string }): string {
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.startsWith('{'));
  const e = lines.map((l) => JSON.parse(l) as { level: number; msg: string; details?: string[]; why?: string; fix?: string }).find((x) => x.level >= 50);
  assert.ok(e, `no error logged:\n${r.stderr}`);
  return [e.msg, ...(e.details ?? []), `why: ${e.why}`, `fix: ${e.fix}`].join('\n');
}

const deploy = (db: TestDatabase, p: Project) => runCliProcess(['deploy'], cliEnv(db.url, p.dir));

/** A database at release N (`models` deployed as 0002_add_column) and a project that retypes `column` to `target`. */
async function setUp(label: string, models: string, target: string, column: string, extra: { zone?: string; using?: string } = {}): Promise<{ db: TestDatabase; pool: pg.Pool; p: Project; n: ReleaseHeartbeat }> {
  const db = await createTestDatabase(label);
  const pool = new pg.Pool({ ...clientConfig(db.connection, `${label}-test`), max: 2 });
  const p = makeProject({ history: true });
  await generate({ dir: p.dir, name: 'add_column', schemaPath: p.models(models), now: NOW });
  const r = await deploy(db, p);
  assert.equal(r.code, 0, r.stderr);
  const retype = { ...parseRetype(`users.${column}`), zone: extra.zone, using: extra.using === undefined ? undefined : await parseUsing(extra.using, column) };
  const result = await generate({ dir: p.dir, name: 'retype', schemaPath: p.models(target), now: NOW, retype });
  assert.deepEqual(result.migrations.map((m) => m.tag), [EXPAND, BACKFILL, CONTRACT]);
  // Batches of 1,000 keys: the tests name the keys a stopped backfill resumes after.
  setBackfillThrottle(result.migrations[1]!.upPath, { batch: 1000 });
  const report = await check({ dir: p.dir, schemaPath: makeProject({ history: false }).models(target) });
  assert.deepEqual(report.problems, []);
  const n = startReleaseHeartbeat(pool, { version: '0002_add_column', instance: 'release-n/1', intervalMs: 200 });
  return { db, pool, p, n };
}

describe('online narrowing: text -> varchar(20)', () => {
  let s: Awaited<ReturnType<typeof setUp>>;
  let kept: Array<[string, string | null]>;

  before(async () => {
    s = await setUp('online_narrow_text', TEXT_NICK, SHORT_NICK, 'nick');
  });
  after(async () => {
    await s?.n.stop();
    await s?.pool.end();
    await s?.db.drop();
  });

  it('writes a guarded cast: a NOT VALID check at expand, the trigger and backfill never truncate', () => {
    const expand = s.p.read(`${EXPAND}.sql`);
    assert.match(expand, /ADD CONSTRAINT "nick_dbship_fits" CHECK \(char_length\("nick"\) <= 20\) NOT VALID;/);
    assert.match(expand, /NEW\."nick_dbship_new" := CASE WHEN \(char_length\(NEW\."nick"\) <= 20\) IS NOT FALSE THEN NEW\."nick"::varchar\(20\) END;/);
    assert.match(s.p.read(`${BACKFILL}.sql`), /OR \(char_length\("nick"\) <= 20\) IS FALSE\)/);
    assert.match(s.p.read(`${CONTRACT}.sql`), /VALIDATE CONSTRAINT "nick_dbship_fits";\nEXCEPTION WHEN check_violation THEN/);
    assert.match(s.p.read(`${CONTRACT}.down.sql`), /UPDATE "public"\."users" SET "nick" = "nick_dbship_new"::text;/);
  });

  it('an existing row that does not fit stops the backfill, naming it; fixed, the rerun completes and the contract waits for N', async () => {
    await s.db.query(`INSERT INTO users (email, nick) SELECT 'seed' || g || '@example.org', 'nick-' || g FROM generate_series(1, 3000) AS g`);
    await s.db.query(`UPDATE users SET nick = repeat('x', 30) WHERE id = 2500`);
    assert.equal(await s.n.beat(), true);
    const r = await deploy(s.db, s.p);
    assert.notEqual(r.code, 0);
    const error = failure(r);
    assert.match(error, /^backfill 0004_retype_backfill stopped: 1 row\(s\) of public\.users do not satisfy the check "nick_dbship_fits": \(char_length\(nick\) <= 20\); id = 2500\n/);
    assert.match(error, /resumes after key 2000/);
    assert.match(error, /fix: change those rows .*--using/);
    assert.deepEqual((await applied(s.db)).slice(-1), [EXPAND], 'the backfill is not recorded');
    assert.equal((await columnOf(s.db, 'nick'))?.type, 'text');
    const progress = await s.db.query<{ last_key: string }>('SELECT last_key FROM dbship.backfills');
    assert.ok(Number(progress.rows[0]!.last_key) < 2500, 'batches before the row are kept, none after it');
    assert.equal((await s.db.query(`SELECT 1 FROM users WHERE id = 2500 AND nick_dbship_new IS NOT NULL`)).rowCount, 0);

    await s.pool.query(`UPDATE users SET nick = 'fixed' WHERE id = 2500`);
    const again = await deploy(s.db, s.p);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout + again.stderr, /resuming the backfill after key/);
    assert.match(again.stdout + again.stderr, /0005_retype_contract not applied yet/);
    assert.equal((await s.db.query('SELECT 1 FROM users WHERE nick_dbship_new IS DISTINCT FROM nick')).rowCount, 0, 'every row backfilled');
  });

  it('release N\'s writes are mirrored; an over-long one fails with 23514 and stores nothing', async () => {
    await s.pool.query(`INSERT INTO users (email, nick) VALUES ('n1@example.org', 'twenty-chars-exactly')`);
    await s.pool.query(`UPDATE users SET nick = 'renamed' WHERE id = 10`);
    await s.pool.query(`UPDATE users SET nick = NULL WHERE id = 11`);
    const rows = await s.db.query<{ nick: string | null; shadow: string | null }>(`SELECT nick, nick_dbship_new AS shadow FROM users WHERE id IN (10, 11) OR email = 'n1@example.org' ORDER BY id`);
    assert.deepEqual(rows.rows.map((x) => [x.nick, x.shadow]), [['renamed', 'renamed'], [null, null], ['twenty-chars-exactly', 'twenty-chars-exactly']]);
    const count = async () => Number((await s.db.query<{ n: string }>('SELECT count(*) AS n FROM users')).rows[0]!.n);
    const before = await count();
    await assert.rejects(s.pool.query(`INSERT INTO users (email, nick) VALUES ('n2@example.org', repeat('y', 21))`), (e: { code?: string; constraint?: string }) => e.code === '23514' && e.constraint === 'nick_dbship_fits');
    await assert.rejects(s.pool.query(`UPDATE users SET nick = repeat('y', 21) WHERE id = 12`), (e: { code?: string }) => e.code === '23514');
    assert.equal(await count(), before);
    assert.equal((await s.db.query<{ nick: string }>('SELECT nick FROM users WHERE id = 12')).rows[0]!.nick, 'nick-12');
    await s.n.stop();
  });

  it('the contract refuses rows that do not fit with their count and leaves the database as it was; fixed, it swaps', async () => {
    // Rows that slipped past the check (here: by dropping and re-adding it), as only a hand edit can.
    await s.db.query(`ALTER TABLE users DROP CONSTRAINT nick_dbship_fits`);
    await s.db.query(`UPDATE users SET nick = repeat('z', 25) WHERE id IN (20, 21)`);
    await s.db.query(`ALTER TABLE users ADD CONSTRAINT nick_dbship_fits CHECK (char_length(nick) <= 20) NOT VALID`);
    const r = await deploy(s.db, s.p);
    assert.notEqual(r.code, 0);
    const error = failure(r);
    assert.match(error, /^migration 0005_retype_contract failed: 2 row\(s\) of public\.users\.nick hold a value that does not fit varchar\(20\)/);
    assert.match(error, /hint: change those rows \(SELECT \* FROM "public"\."users" WHERE \(char_length\("nick"\) <= 20\) IS FALSE\)/);
    assert.match(error, /nothing of 0005_retype_contract was applied/);
    assert.equal((await columnOf(s.db, 'nick'))?.type, 'text');
    assert.ok(await columnOf(s.db, 'nick_dbship_new'));
    assert.equal((await s.db.query(`SELECT 1 FROM pg_trigger WHERE tgname = 'dbship_sync_users_nick'`)).rowCount, 1);
    assert.equal((await applied(s.db)).at(-1), BACKFILL);

    await s.pool.query(`UPDATE users SET nick = 'short again' WHERE id IN (20, 21)`);
    kept = (await s.db.query<{ id: string; nick: string | null }>('SELECT id, nick FROM users ORDER BY id')).rows.map((x) => [x.id, x.nick]);
    const ok = await deploy(s.db, s.p);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(await columnOf(s.db, 'nick'), { type: 'character varying', length: 20, nullable: 'YES', default: null });
    assert.equal(await columnOf(s.db, 'nick_dbship_new'), undefined);
    assert.equal((await s.db.query(`SELECT 1 FROM pg_constraint WHERE conname = 'nick_dbship_fits'`)).rowCount, 0);
    const after1 = (await s.db.query<{ id: string; nick: string | null }>('SELECT id, nick FROM users ORDER BY id')).rows.map((x) => [x.id, x.nick]);
    assert.deepEqual(after1, kept, 'every value kept');
  });

  it('the contract\'s down file goes back to text with the check and the trigger; the contract runs again', async () => {
    const down = await runCliProcess(['downgrade', '--steps', '1', '--yes'], cliEnv(s.db.url, s.p.dir));
    assert.equal(down.code, 0, down.stderr);
    assert.equal((await columnOf(s.db, 'nick'))?.type, 'text');
    assert.equal((await s.db.query('SELECT 1 FROM users WHERE nick_dbship_new IS DISTINCT FROM nick')).rowCount, 0);
    await assert.rejects(s.db.query(`UPDATE users SET nick = repeat('y', 21) WHERE id = 1`), (e: { code?: string }) => e.code === '23514');
    const again = await deploy(s.db, s.p);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await columnOf(s.db, 'nick'))?.length, 20);
    const rows = (await s.db.query<{ id: string; nick: string | null }>('SELECT id, nick FROM users ORDER BY id')).rows.map((x) => [x.id, x.nick]);
    assert.deepEqual(rows, kept);
  });
});

describe('online narrowing: bigint -> integer', () => {
  let s: Awaited<ReturnType<typeof setUp>>;

  before(async () => {
    s = await setUp('online_narrow_int', BIGINT_POINTS, INTEGER_POINTS, 'points');
    await s.db.query(`INSERT INTO users (email, points) SELECT 'seed' || g || '@example.org', g * 1000 FROM generate_series(1, 2000) AS g`);
    await s.db.query(`UPDATE users SET points = -2147483648 WHERE id = 1`);
  });
  after(async () => {
    await s?.n.stop();
    await s?.pool.end();
    await s?.db.drop();
  });

  it('mirrors release N\'s writes into an integer shadow, refuses 2^31 with 23514, and the contract makes it integer', async () => {
    assert.equal(await s.n.beat(), true);
    const r = await deploy(s.db, s.p);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /0005_retype_contract not applied yet/);
    await s.pool.query(`UPDATE users SET points = 2147483647 WHERE id = 2`);
    await s.pool.query(`INSERT INTO users (email) VALUES ('n@example.org')`);
    await assert.rejects(s.pool.query(`UPDATE users SET points = 2147483648 WHERE id = 3`), (e: { code?: string; constraint?: string }) => e.code === '23514' && e.constraint === 'points_dbship_fits');
    assert.equal((await s.db.query('SELECT 1 FROM users WHERE points_dbship_new IS DISTINCT FROM points')).rowCount, 0);
    await s.n.stop();
    const kept = (await s.db.query<{ id: string; points: string }>('SELECT id, points::text FROM users ORDER BY id')).rows;
    const c = await deploy(s.db, s.p);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(await columnOf(s.db, 'points'), { type: 'integer', length: null, nullable: 'NO', default: '0' });
    assert.deepEqual((await s.db.query<{ id: string; points: string }>('SELECT id, points::text FROM users ORDER BY id')).rows, kept);
    assert.equal(kept[1]!.points, '2147483647');
    assert.equal(kept[0]!.points, '-2147483648');

    const down = await runCliProcess(['downgrade', '--steps', '1', '--yes'], cliEnv(s.db.url, s.p.dir));
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await columnOf(s.db, 'points'), { type: 'bigint', length: null, nullable: 'NO', default: '0' });
    assert.deepEqual((await s.db.query<{ id: string; points: string }>('SELECT id, points::text FROM users ORDER BY id')).rows, kept);
  });
});

describe('online time-zone change: timestamp -> timestamptz --zone Asia/Tokyo', () => {
  let s: Awaited<ReturnType<typeof setUp>>;
  const epochs = `SELECT id, extract(epoch FROM seen_at AT TIME ZONE 'Asia/Tokyo')::text AS t FROM users ORDER BY id`;
  const instants = `SELECT id, extract(epoch FROM seen_at)::text AS t FROM users ORDER BY id`;

  it('refuses the change without --zone', async () => {
    const p = makeProject({ history: true });
    await generate({ dir: p.dir, name: 'add_column', schemaPath: p.models(LOCAL_SEEN), now: NOW });
    await assert.rejects(generate({ dir: p.dir, name: 'retype', schemaPath: p.models(ZONED_SEEN), now: NOW, retype: parseRetype('users.seen_at') }), /timestamp -> timestamp with time zone of public\.users\.seen_at needs --zone/);
  });

  before(async () => {
    s = await setUp('online_zone', LOCAL_SEEN, ZONED_SEEN, 'seen_at', { zone: 'Asia/Tokyo' });
    await s.db.query(`INSERT INTO users (email, seen_at) SELECT 'seed' || g || '@example.org', timestamp '2024-01-15 12:00:00' + g * interval '1 hour' FROM generate_series(1, 2000) AS g`);
  });
  after(async () => {
    await s?.n.stop();
    await s?.pool.end();
    await s?.db.drop();
  });

  it('converts in the zone given, whatever the writing session\'s TimeZone; the contract keeps every instant; the down file restores the wall-clock values', async () => {
    assert.match(s.p.read(`${EXPAND}.sql`), /NEW\."seen_at_dbship_new" := \(NEW\."seen_at" AT TIME ZONE 'Asia\/Tokyo'\);/);
    assert.match(s.p.read(`${CONTRACT}.down.sql`), /SET "seen_at" = \("seen_at_dbship_new" AT TIME ZONE 'Asia\/Tokyo'\);/);
    assert.equal(await s.n.beat(), true);
    const r = await deploy(s.db, s.p);
    assert.equal(r.code, 0, r.stderr);
    const client = await s.pool.connect();
    try {
      await client.query(`SET TimeZone = 'America/New_York'`);
      await client.query(`INSERT INTO users (email, seen_at) VALUES ('ny@example.org', '2024-06-01 12:00:00')`);
      await client.query(`UPDATE users SET seen_at = '2024-07-01 08:30:00' WHERE id = 5`);
    } finally {
      client.release();
    }
    const ny = await s.db.query<{ shadow: string }>(`SELECT to_char(seen_at_dbship_new AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS shadow FROM users WHERE email = 'ny@example.org' OR id = 5 ORDER BY id`);
    assert.deepEqual(ny.rows.map((x) => x.shadow), ['2024-06-30 23:30', '2024-06-01 03:00']);
    assert.equal((await s.db.query(`SELECT 1 FROM users WHERE seen_at_dbship_new IS DISTINCT FROM (seen_at AT TIME ZONE 'Asia/Tokyo')`)).rowCount, 0);
    await s.n.stop();
    const wallClock = (await s.db.query<{ id: string; t: string }>(`SELECT id, extract(epoch FROM seen_at)::text AS t FROM users ORDER BY id`)).rows;
    const c = await deploy(s.db, s.p);
    assert.equal(c.code, 0, c.stderr);
    assert.equal((await columnOf(s.db, 'seen_at'))?.type, 'timestamp with time zone');
    assert.deepEqual((await s.db.query<{ id: string; t: string }>(epochs)).rows, wallClock, 'each instant is the wall-clock time in Asia/Tokyo');

    const down = await runCliProcess(['downgrade', '--steps', '1', '--yes'], cliEnv(s.db.url, s.p.dir));
    assert.equal(down.code, 0, down.stderr);
    assert.equal((await columnOf(s.db, 'seen_at'))?.type, 'timestamp without time zone');
    assert.deepEqual((await s.db.query<{ id: string; t: string }>(instants)).rows, wallClock);
  });
});
