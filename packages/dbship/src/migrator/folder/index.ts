/**
 * The migrations folder in drizzle-kit's format: `meta/_journal.json`, `NNNN_name.sql` files with
 * their `NNNN_name.down.sql`, and `meta/NNNN_snapshot.json`. files.ts reads the journal and the
 * migration files (checksums, headers); snapshot.ts reads snapshots. Everything that knows where a
 * file lives or how it is named belongs here.
 */
export { loadMigrations, readJournal, type MigrationFile } from './files.js';
