/**
 * The runtime: what runs in the init container. plan.ts decides what is pending from the folder
 * and the tracking table (tracking.ts); session.ts opens the one pinned connection with its
 * timeouts; lock.ts holds the session advisory lock; apply.ts runs each migration in its own
 * transaction (or statement by statement for a no-transaction file) with its tracking and audit
 * rows; invalid-indexes.ts handles what an interrupted CREATE INDEX CONCURRENTLY leaves behind;
 * read-only.ts refuses a standby or a read-only database before the lock; wait.ts waits
 * for the database; events.ts is what the engine reports as it goes; readiness.ts is the
 * service's `/readyz` check of the tracking table (imported by `dbship/service`).
 * Imports nothing from drift/, generate/ or lint/.
 */
export type { EngineEvent } from './events.js';
export { analyze, planUpgrade, assertIntegrity, type Analysis, type MigrationState } from './plan.js';
