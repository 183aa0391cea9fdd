import { loadConfig, type Config } from '../../packages/dbship/src/config.js';
import type { TestDatabase } from './db.js';

/** A validated Config for a test database and migrations folder, plus overrides. */
export function testConfig(db: TestDatabase, migrationsDir: string, env: Record<string, string> = {}): Config {
  return loadConfig({ env: { DATABASE_URL: db.url, MIGRATIONS_DIR: migrationsDir, HOSTNAME: 'test-runner', ...env }, readDotEnv: false });
}
