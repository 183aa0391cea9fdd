import assert from 'node:assert/strict';
import { freePort } from '../../packages/dbship/src/dev/embedded.js';
import { startService, type ServiceProcess } from '../../bench/lib/service-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';
import { RELEASE_N } from './release.js';

/** A database deployed at release N with `seeded` users, and the service serving it. */
export interface SeededService {
  readonly db: TestDatabase;
  readonly app: ServiceProcess;
  /** Kills the service and drops the database. */
  close(): Promise<void>;
}

/** Deploys release N into a new database, seeds `seeded` users and starts the service on it. */
export async function startSeededService(label: string, seeded: number): Promise<SeededService> {
  const db = await createTestDatabase(label);
  const r = await runCliProcess(['deploy'], cliEnv(db.url, RELEASE_N));
  assert.equal(r.code, 0, r.stderr);
  await db.query(`INSERT INTO users (email, name) SELECT 'seed' || g || '@example.org', 'Seed ' || g FROM generate_series(1, ${seeded}) AS g`);
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, MIGRATIONS_DIR: RELEASE_N, LOG_LEVEL: 'warn' };
  const app = await startService({ name: 'service', args: ['--import', 'tsx', 'src/app/server.ts'], port: await freePort(), env });
  return {
    db,
    app,
    async close() {
      await app.stop('SIGKILL');
      await db.drop();
    },
  };
}
