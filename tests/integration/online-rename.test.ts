import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { loadMigrations, readinessTarget } from '../../packages/dbship/src/migrator/folder/files.js';
import { check } from '../../packages/dbship/src/migrator/generate/check.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { startReleaseHeartbeat } from '../../packages/dbship/src/release-heartbeat.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeProject, NOW, usersModel } from '../helpers/generate-fixture.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';
import { RENAMED_MODELS, renameRelease } from '../helpers/online-rename.js';
import { RELEASE_N } from '../rollout/release.js';

describe('online rename: generate --rename, expand, backfill, contract gated by the release heartbeat', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let release: { dir: string; tags: string[] };
  const [expand, backfill, contract] = ['0002_rename_user_name_expand', '0003_rename_user_name_backfill', '0004_rename_user_name_contract'];

  before(async () => {
    db = await createTestDatabase('online_rename');
    pool = new pg.Pool({ ...clientConfig(db.connection, 'online-rename-test'), max: 4 });
    release = await renameRelease({ batch: 100 });
    const r = await runCliProcess(['deploy'], cliEnv(db.url, RELEASE_N));
    assert.equal(r.code, 0, r.stderr);
    await db.query(`INSERT INTO users (email, name) SELECT 'seed' || g || '@example.org', CASE WHEN g % 7 = 0 THEN NULL ELSE 'Seed ' || g END FROM generate_series(1, 1050) AS g`);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('writes three reviewed migrations with down files that check accepts, and the readiness target skips the contract', async () => {
    assert.deepEqual(release.tags, [expand, backfill, contract]);
    const files = loadMigrations(release.dir);
    assert.deepEqual(files.slice(2).map((f) => f.online?.phase), ['expand', 'backfill', 'contract']);
    assert.ok(files.slice(2).every((f) => f.downSql !== null));
    assert.equal(readinessTarget(files)?.name, backfill);
    const report = await check({ dir: release.dir, schemaPath: makeProject({ history: false }).models(RENAMED_MODELS) });
    assert.deepEqual(report.problems, []);
  });

  it('refuses a --rename mixed with another model change, and one the models do not show', async () => {
    const p = makeProject({ history: true });
    const both = RENAMED_MODELS.replace("bio: text('bio'),", "bio: text('bio').default('none'),");
    await assert.rejects(generate({ dir: p.dir, name: 'r', schemaPath: p.models(both), now: NOW, rename: { table: 'public.users', from: 'name', to: 'full_name' } }), /models change more than the rename/);
    await assert.rejects(generate({ dir: p.dir, name: 'r', schemaPath: p.models(usersModel()), now: NOW, rename: { table: 'public.users', from: 'name', to: 'full_name' } }), /show no such rename/);
    assert.equal(loadMigrations(p.dir).length, 2, 'nothing written');
  });

  it('deploy applies expand and backfill, and skips the contract (exit 0) while release N sends its heartbeat', async () => {
    const n = startReleaseHeartbeat(pool, { version: '0001_add_user_bio', instance: 'release-n/1', intervalMs: 200 });
    assert.equal(await n.beat(), true);
    const r = await runCliProcess(['deploy'], cliEnv(db.url, release.dir));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /0004_rename_user_name_contract not applied yet: release\(s\) older than 0002_rename_user_name_expand were seen/);
    assert.match(r.stdout + r.stderr, /release-n\/1 \(0001_add_user_bio/);
    const applied = (await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY seq')).rows.map((x) => x.name);
    assert.deepEqual(applied.slice(-2), [expand, backfill]);
    const diverged = await db.query('SELECT id FROM users WHERE full_name IS DISTINCT FROM name');
    assert.equal(diverged.rowCount, 0, 'every existing row backfilled');
    assert.equal((await db.query('SELECT * FROM dbship.backfills')).rowCount, 0, 'the progress row goes with the applied backfill');

    const status = await runCliProcess(['status'], cliEnv(db.url, release.dir));
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /open +0002_rename_user_name_expand: rename public\.users\.name -> full_name/);
    assert.match(status.stdout, /backfill: 0003_rename_user_name_backfill done/);
    assert.match(status.stdout, /contract: 0004_rename_user_name_contract: waits for release-n\/1/);

    // Release N writes the old column, release N+1 the new one: each sees the other's writes.
    await pool.query(`INSERT INTO users (email, name) VALUES ('n@example.org', 'from N')`);
    await pool.query(`INSERT INTO users (email, full_name) VALUES ('n1@example.org', 'from N+1')`);
    await pool.query(`UPDATE users SET name = 'N renamed' WHERE id = 1`);
    await pool.query(`UPDATE users SET full_name = 'N+1 renamed' WHERE id = 2`);
    await pool.query(`UPDATE users SET full_name = NULL WHERE id = 3`);
    await pool.query(`UPDATE users SET bio = 'only bio' WHERE id = 4`);
    const rows = await db.query<{ email: string; name: string | null; full_name: string | null }>(
      `SELECT email, name, full_name FROM users WHERE id IN (1, 2, 3, 4) OR email IN ('n@example.org', 'n1@example.org') ORDER BY id`);
    assert.deepEqual(rows.rows.map((x) => [x.name, x.full_name]), [['N renamed', 'N renamed'], ['N+1 renamed', 'N+1 renamed'], [null, null], ['Seed 4', 'Seed 4'], ['from N', 'from N'], ['from N+1', 'from N+1']]);

    const dry = await runCliProcess(['upgrade', '--dry-run'], cliEnv(db.url, release.dir));
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /0004_rename_user_name_contract not applied yet/, 'a dry run tells the same');
    assert.doesNotMatch(dry.stdout, /DROP COLUMN/, 'and does not plan the contract');

    // A second deploy while release N still beats: still deferred, nothing else happens.
    const again = await runCliProcess(['deploy'], cliEnv(db.url, release.dir));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout + again.stderr, /not applied yet/);
    await n.stop();
    assert.equal((await db.query(`SELECT * FROM dbship.releases WHERE instance = 'release-n/1'`)).rowCount, 0, 'a clean stop removes the row');
  });

  it('ignores a release last seen before the window; rollback before the contract loses no write', async () => {
    await db.query(`INSERT INTO dbship.releases (instance, version, last_seen) VALUES ('gone/1', '0001_add_user_bio', now() - interval '1 hour')`);
    const down = await runCliProcess(['downgrade', '--steps', '2', '--yes'], cliEnv(db.url, release.dir));
    assert.equal(down.code, 0, down.stderr);
    const cols = await db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name IN ('name', 'full_name')`);
    assert.deepEqual(cols.rows.map((x) => x.column_name), ['name']);
    const n1 = await db.query<{ name: string }>(`SELECT name FROM users WHERE email = 'n1@example.org' OR id = 2 ORDER BY id`);
    assert.deepEqual(n1.rows.map((x) => x.name), ['N+1 renamed', 'from N+1'], 'release N+1\'s writes are in the old column');
  });

  it('runs the contract once no older release is seen within MIGRATE_RELEASE_WINDOW', async () => {
    const newer = startReleaseHeartbeat(pool, { version: contract, instance: 'release-n1/1', intervalMs: 200 });
    await newer.beat();
    const r = await runCliProcess(['deploy'], cliEnv(db.url, release.dir, { MIGRATE_RELEASE_WINDOW: '1m' }));
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /not applied yet/);
    const applied = (await db.query<{ name: string }>('SELECT name FROM dbship.migrations ORDER BY seq')).rows.map((x) => x.name);
    assert.deepEqual(applied.slice(-3), [expand, backfill, contract]);
    const cols = await db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name IN ('name', 'full_name')`);
    assert.deepEqual(cols.rows.map((x) => x.column_name), ['full_name']);
    assert.equal((await db.query(`SELECT 1 FROM pg_trigger WHERE tgname LIKE 'dbship_sync%'`)).rowCount, 0);
    const kept = await db.query<{ full_name: string }>(`SELECT full_name FROM users WHERE email IN ('n@example.org', 'n1@example.org') ORDER BY id`);
    assert.deepEqual(kept.rows.map((x) => x.full_name), ['from N', 'from N+1']);
    await newer.stop();
  });
});

describe('release heartbeat', () => {
  it('reports a missing releases table instead of throwing, and writes once it exists', async () => {
    const db = await createTestDatabase('heartbeat');
    const pool = new pg.Pool({ ...clientConfig(db.connection, 'heartbeat-test'), max: 2 });
    try {
      const errors: string[] = [];
      const hb = startReleaseHeartbeat(pool, { version: '0001_add_user_bio', instance: 'pod/1', image: 'img:1', intervalMs: 100, onError: (e) => errors.push(e) });
      assert.equal(await hb.beat(), false);
      assert.match(errors[0] ?? '', /dbship\.releases does not exist yet/);
      const r = await runCliProcess(['deploy'], cliEnv(db.url, RELEASE_N));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(await hb.beat(), true);
      const first = await db.query<{ version: string; image: string; last_seen: Date }>(`SELECT version, image, last_seen FROM dbship.releases WHERE instance = 'pod/1'`);
      assert.deepEqual([first.rows[0]?.version, first.rows[0]?.image], ['0001_add_user_bio', 'img:1']);
      await hb.beat();
      const second = await db.query<{ last_seen: Date }>(`SELECT last_seen FROM dbship.releases WHERE instance = 'pod/1'`);
      assert.ok(second.rows[0]!.last_seen.getTime() >= first.rows[0]!.last_seen.getTime());
      await hb.stop();
      assert.equal((await db.query('SELECT 1 FROM dbship.releases')).rowCount, 0);
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});
