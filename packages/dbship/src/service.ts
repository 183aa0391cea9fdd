/**
 * What a service needs from dbship at run time, and nothing more: configuration, its pool, the
 * logger, error classification and the readiness check (`/readyz`: is the schema at this build's
 * newest migration?). Importing `dbship/service` loads neither the migration engine nor the SQL
 * parser, so a service starts as fast as it would without dbship.
 */
export {
  readEngineSettings, readTrackingSchema, throwProblems, deepFreeze, ENGINE_VARIABLES, type EngineSettings,
} from './settings.js';
export { describeDb, type DbConnection } from './config/db-connection.js';
export { readAppDb } from './config/db-env.js';
export { mergeLayers, type Env } from './config/layers.js';
export { Reader } from './config/reader.js';
export { envLayers } from './project/sources.js';
export { findProjectRoot } from './project/root.js';
export { DbshipError, type ErrorCode } from './errors.js';
export { createLogger, LOG_LEVELS, type Logger, type LogLevel } from './logger.js';
export { createPool, clientConfig } from './db/pool.js';
export { sqlState, SqlState, isConnectionState, connectionReason } from './db/sqlstate.js';
export { schemaReadiness, type SchemaReadiness } from './migrator/runtime/readiness.js';
export { loadMigrations, type MigrationFile } from './migrator/folder/files.js';
export { loadRequiredMigrations } from './migrator/folder/required.js';
export { readinessTarget } from './migrator/folder/files.js';
export { startReleaseHeartbeat, type ReleaseHeartbeat, type ReleaseHeartbeatOptions } from './release-heartbeat.js';
