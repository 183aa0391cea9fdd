/**
 * What a service needs from dbship at run time, and nothing more: configuration, its pool, the
 * logger, error classification and the readiness check (`/readyz`: is the schema at this build's
 * newest migration?). Importing `dbship/service` loads neither the migration engine nor the SQL
 * parser, so a service starts as fast as it would without dbship.
 */
export { loadConfig, describeDb, type Config, type DbConnection } from './config.js';
export { DbshipError, type ErrorCode } from './errors.js';
export { createLogger, type Logger } from './logger.js';
export { createPool, clientConfig } from './db/pool.js';
export { sqlState, SqlState, isConnectionState, connectionReason } from './db/sqlstate.js';
export { schemaReadiness, type SchemaReadiness } from './migrator/readiness.js';
export { loadMigrations, type MigrationFile } from './migrator/folder/files.js';
