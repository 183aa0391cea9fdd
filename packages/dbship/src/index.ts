/**
 * dbship's programmatic API: every CLI verb as a function that returns its result and throws a
 * {@link DbshipError} (with `code` and `exitCode`) on failure; none calls `process.exit`.
 *
 * ```ts
 * import { loadSettings, upgrade } from 'dbship';
 * const result = await upgrade(await loadSettings(), { onEvent: (e) => console.log(e) });
 * ```
 *
 * `generate` and `check` need the optional peer dependency drizzle-kit and are imported from
 * their modules (`migrator/generate/index.ts`, `migrator/generate/check.ts`).
 */
export {
  loadSettings, settingsFromEnv, buildEngineSettings, readEngineSettings, readTrackingSchema, throwProblems, deepFreeze,
  ENGINE_VARIABLES, type EngineSettings, type MigrationSettings,
} from './settings.js';
export { describeDb, SSL_MODES, type DbConnection, type SslMode } from './config/db-connection.js';
export { parseDatabaseUrl } from './config/db-url.js';
export { readAppDb, readMigrationDb } from './config/db-env.js';
export { mergeLayers, type Env, type Layer, type LayeredEnv } from './config/layers.js';
export { Reader, parseDuration } from './config/reader.js';
export { loadSources, envLayers, type SettingsSources, type LoadSourcesOptions } from './project/sources.js';
export { findProjectRoot } from './project/root.js';
export { importProjectModule } from './project/load-module.js';
export type { RunOptions } from './migrator/runtime/events.js';
export { DbshipError, type ErrorCode } from './errors.js';
export { ExitCode } from './exit-codes.js';
export type { EngineEvent } from './migrator/runtime/events.js';
export { upgrade, type UpgradeOptions, type UpgradeResult } from './migrator/upgrade.js';
export { downgrade } from './migrator/downgrade.js';
export { status, type StatusResult, type StatusRow } from './migrator/status.js';
export { history } from './migrator/status.js';
export { baseline } from './migrator/baseline.js';
export { repair } from './migrator/repair.js';
export { deploy, type DeployOptions, type DeployResult } from './migrator/deploy.js';
export { detectDrift, failingDifferences, type DriftReport, type DriftDifference, type AcceptedEntry } from './migrator/drift/index.js';
export { lintSql, lintFiles } from './migrator/lint/index.js';
export { loadMigrations, type MigrationFile } from './migrator/folder/files.js';
export { loadRequiredMigrations } from './migrator/folder/required.js';
export { schemaReadiness } from './migrator/runtime/readiness.js';
export { type SchemaReadiness } from './migrator/runtime/readiness.js';
export { sqlState, SqlState, isConnectionState, connectionReason } from './db/sqlstate.js';
export { createLogger, LOG_LEVELS, type Logger, type LogLevel } from './logger.js';
export { createPool, clientConfig } from './db/pool.js';
export { logEvents } from './cli/render-events.js';
export { readinessTarget } from './migrator/folder/files.js';
export { startReleaseHeartbeat, type ReleaseHeartbeat, type ReleaseHeartbeatOptions } from './release-heartbeat.js';
