import type pg from 'pg';
import { describeDb, type DbConnection } from '../../config/db-connection.js';
import { DbshipError } from '../../errors.js';

interface WriteState {
  readonly standby: boolean;
  readonly readOnly: boolean;
  /** Where `default_transaction_read_only` comes from (`pg_settings.source`). */
  readonly source: string | null;
}

/**
 * Refuses a database that accepts only reads, before the lock is taken or anything is written:
 * a hot standby (`pg_is_in_recovery()`), or a session whose transactions are read-only
 * (`default_transaction_read_only`, set for the database, the role, the server, or in the URL).
 * Throws `DATABASE_READ_ONLY` (exit 8) naming which, and the fix.
 */
export async function assertWritable(client: pg.ClientBase, db: DbConnection): Promise<void> {
  const { rows } = await client.query<WriteState>(
    `SELECT pg_is_in_recovery() AS standby,
            current_setting('transaction_read_only') = 'on' AS "readOnly",
            (SELECT source FROM pg_settings WHERE name = 'default_transaction_read_only') AS source`,
  );
  const state = rows[0];
  if (!state || (!state.standby && !state.readOnly)) return;
  throw state.standby ? standbyError(db) : readOnlyError(db, state.source);
}

function standbyError(db: DbConnection): DbshipError {
  return new DbshipError('DATABASE_READ_ONLY', `${describeDb(db)} is a hot standby (a read-only replica): migrations cannot run there`, {
    why: 'pg_is_in_recovery() is true: the server replays changes from a primary and refuses every write. The database URL points at a replica or a read-only endpoint, or at a former replica that has not been promoted yet.',
    fix: 'point the migration database settings (DATABASE_URL or DB_HOST / MIGRATE_DB_*) at the primary, the read-write endpoint. During a failover, `dbship deploy` waits for the promotion as long as DB_WAIT allows; run again after it.',
  });
}

function readOnlyError(db: DbConnection, source: string | null): DbshipError {
  return new DbshipError('DATABASE_READ_ONLY', `${describeDb(db)} runs every transaction read-only (default_transaction_read_only is on, set ${sourceWords(source)}): migrations cannot write`, {
    why: 'the server is a primary, but default_transaction_read_only makes each transaction read-only; managed services also turn it on by themselves, e.g. when the disk is full.',
    fix: resetHint(db, source),
  });
}

function sourceWords(source: string | null): string {
  switch (source) {
    case 'database': return 'for the database';
    case 'user': return 'for the role';
    case 'database user': return 'for the role in this database';
    case 'configuration file': return 'in the server configuration';
    case 'client': return 'by the connection (options in the URL or PGOPTIONS)';
    default: return source ? `by ${source}` : 'somewhere';
  }
}

function resetHint(db: DbConnection, source: string | null): string {
  const database = quoteName(db.database);
  const role = quoteName(db.user);
  switch (source) {
    case 'database': return `as an administrator: ALTER DATABASE ${database} RESET default_transaction_read_only; then run again (new sessions see the change).`;
    case 'user': return `as an administrator: ALTER ROLE ${role} RESET default_transaction_read_only; then run again.`;
    case 'database user': return `as an administrator: ALTER ROLE ${role} IN DATABASE ${database} RESET default_transaction_read_only; then run again.`;
    case 'client': return 'remove default_transaction_read_only from the connection options (the URL\'s options parameter, PGOPTIONS), then run again.';
    default: return 'turn default_transaction_read_only off where it is set (postgresql.conf, ALTER SYSTEM, or the provider\'s console; free disk space if the provider set it), then run again.';
  }
}

function quoteName(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
