import type { EngineSettings } from '../../packages/dbship/src/settings.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { TestDatabase } from './db.js';

/**
 * A validated configuration for a test database and migrations folder, plus overrides: the
 * service's config and the engine settings in one object, so that a test hands the same value to
 * `buildApp` and to the engine functions (its database is both the app's and the runner's).
 */
export function testConfig(db: TestDatabase, migrationsDir: string, env: Record<string, string> = {}): Config & EngineSettings {
  const config = loadConfig({ env: { DATABASE_URL: db.url, MIGRATIONS_DIR: migrationsDir, HOSTNAME: 'test-runner', ...env }, readDotEnv: false });
  return Object.freeze({ ...config, ...config.engine });
}
