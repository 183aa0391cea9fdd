import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminConnection, connectionUrl, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, runCliProcess, writeMigrations, type CliResult } from '../helpers/migrations.js';
import { findPgBouncer, startPgBouncer, type PgBouncer, type PoolMode } from '../helpers/pgbouncer.js';

/**
 * A real PgBouncer between the runners and PostgreSQL. In transaction pooling mode a session
 * advisory lock lands on whatever server connection the pooler hands out: with one server
 * connection every runner "got" the lock and a no-transaction data migration ran twice; with two,
 * a pooled connection kept the lock after every runner had exited. dbship must refuse such a URL
 * before anything runs, and keep working through a session-mode pool.
 */

const missing = findPgBouncer() === null ? 'pgbouncer is not installed (apt-get install -y pgbouncer; CI installs it)' : undefined;
if (missing) console.log(`# skipping the PgBouncer tests: ${missing}`);

const MIGRATIONS = writeMigrations([
  { name: 'create_ledger', sql: 'CREATE TABLE ledger (id int PRIMARY KEY, note text);\n' },
  // Outside a transaction: only the migration lock keeps two runners from both running it.
  { name: 'seed_ledger', sql: "-- dbship:no-transaction\nINSERT INTO ledger (id, note) SELECT coalesce(max(id), 0) + 1, 'seeded' FROM ledger;\n" },
]);

interface Setup {
  readonly db: TestDatabase;
  readonly bouncer: PgBouncer;
  /** The database's URL through PgBouncer. */
  readonly url: string;
}

async function setUp(poolMode: PoolMode, poolSize: number): Promise<Setup> {
  const db = await createTestDatabase(`pgbouncer_${poolMode}_${poolSize}`);
  const bouncer = await startPgBouncer({ server: adminConnection(), poolMode, poolSize });
  return { db, bouncer, url: connectionUrl(bouncer.connection(db.connection)) };
}

/** Two init containers starting at once, both through the pooler. */
function twoDeploys(url: string): Promise<CliResult[]> {
  const env = cliEnv(url, MIGRATIONS, { DB_WAIT: '60s', MIGRATE_LOCK_WAIT: '60s' });
  return Promise.all([runCliProcess(['deploy', '--drift', 'off'], env), runCliProcess(['deploy', '--drift', 'off'], env)]);
}

async function advisoryLocksHeld(db: TestDatabase): Promise<number> {
  const r = await db.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
  return r.rows[0]!.n;
}

describe('PgBouncer in transaction pooling mode: refused before any migration runs', { skip: missing }, () => {
  for (const poolSize of [1, 2]) {
    describe(`default_pool_size = ${poolSize}`, () => {
      let s: Setup;
      before(async () => (s = await setUp('transaction', poolSize)));
      after(async () => {
        await s?.bouncer.stop();
        await s?.db.drop();
      });

      it('both runners exit 2 naming the pooler and the direct-URL fix; nothing ran, no lock is left behind', async () => {
        const results = await twoDeploys(s.url);
        for (const r of results) {
          assert.equal(r.code, 2, `${r.stderr}\n${s.bouncer.log().slice(-2000)}`);
          assert.match(r.stderr, /TRANSACTION_POOLER/);
          assert.match(r.stderr, /transaction \(or statement\) pooling mode/);
          assert.match(r.stderr, /MIGRATE_DATABASE_URL/);
        }
        const state = await s.db.query("SELECT to_regclass('dbship.migrations') IS NULL AS untracked, to_regclass('public.ledger') IS NULL AS untouched");
        assert.deepEqual(state.rows[0], { untracked: true, untouched: true });
        assert.equal(await advisoryLocksHeld(s.db), 0, 'no pooled server connection keeps a migration lock');
      });
    });
  }
});

describe('PgBouncer in session pooling mode: migrations work, exactly once', { skip: missing }, () => {
  for (const poolSize of [1, 2]) {
    describe(`default_pool_size = ${poolSize}`, () => {
      let s: Setup;
      before(async () => (s = await setUp('session', poolSize)));
      after(async () => {
        await s?.bouncer.stop();
        await s?.db.drop();
      });

      it('two concurrent deploys both exit 0; each migration ran and is recorded once', async () => {
        const results = await twoDeploys(s.url);
        for (const r of results) assert.equal(r.code, 0, `${r.stderr}\n${s.bouncer.log().slice(-2000)}`);
        const rows = await s.db.query('SELECT count(*)::int AS n FROM ledger');
        assert.equal(rows.rows[0]!.n, 1, 'the no-transaction data migration ran once');
        const recorded = await s.db.query('SELECT name, count(*)::int AS n FROM dbship.migrations GROUP BY name ORDER BY name');
        assert.deepEqual(recorded.rows, [{ name: '0000_create_ledger', n: 1 }, { name: '0001_seed_ledger', n: 1 }]);
        assert.equal(await advisoryLocksHeld(s.db), 0);
      });
    });
  }
});
