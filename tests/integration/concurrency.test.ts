import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, collect, spawnCli, writeMigrations } from '../helpers/migrations.js';

const RUNNERS = 50;
const ROUNDS = 2;

// A slow first migration keeps the lock held long enough for every runner to queue behind it;
// the data migration proves exactly-once: applied twice, it would insert two rows.
const migrations = writeMigrations([
  { name: 'create_events', sql: 'CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text NOT NULL);\nSELECT pg_sleep(1.5);\n' },
  { name: 'seed_event', sql: "INSERT INTO events (note) VALUES ('seeded once');\n" },
  { name: 'add_column', sql: 'ALTER TABLE events ADD COLUMN source text;\n' },
]);

describe(`${RUNNERS} concurrent upgrade processes on a fresh database`, () => {
  for (let round = 1; round <= ROUNDS; round++) {
    describe(`round ${round}`, () => {
      let db: TestDatabase;
      before(async () => (db = await createTestDatabase(`concurrency_${round}`)));
      after(async () => db.drop());

      it('every process exits 0 and every migration is applied exactly once', async () => {
        const children = Array.from({ length: RUNNERS }, (_, i) =>
          collect(spawnCli(['upgrade'], cliEnv(db.url, migrations, { HOSTNAME: `pod-${i}`, MIGRATE_LOCK_WAIT: '120s' }))),
        );
        const results = await Promise.all(children);
        const failed = results.filter((r) => r.code !== 0);
        assert.equal(failed.length, 0, failed.map((r) => r.stderr).join('\n---\n'));

        const appliedBy = results.filter((r) => /Applied 0000_create_events/.test(r.stdout));
        assert.equal(appliedBy.length, 1, 'exactly one runner applies the migrations');
        assert.equal(results.filter((r) => /No upgrade items found/.test(r.stdout)).length, RUNNERS - 1);

        const waiting = results.filter((r) => /waiting for the migration lock held by pod-\d+ \(pid \d+/.test(r.stderr));
        assert.ok(waiting.length > 0, 'waiting runners name the holder');

        const rows = await db.query('SELECT note FROM events');
        assert.deepEqual(rows.rows, [{ note: 'seeded once' }]);
        const recorded = await db.query('SELECT name, count(*)::int AS n FROM dbship.history GROUP BY name ORDER BY name');
        assert.deepEqual(recorded.rows, [
          { name: '0000_create_events', n: 1 },
          { name: '0001_seed_event', n: 1 },
          { name: '0002_add_column', n: 1 },
        ]);
        const lock = await db.query('SELECT count(*)::int AS n FROM dbship.lock_holder');
        assert.equal(lock.rows[0]!.n, 0, 'the holder row is cleared on release');
      });
    });
  }
});
