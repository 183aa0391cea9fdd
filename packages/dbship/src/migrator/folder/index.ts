/**
 * The migrations folder in drizzle-kit's format, modelled once: layout.ts knows where each part
 * lives and how it is named (the `NNNN_` tag, up, down and snapshot paths, finding a migration by
 * its name without the prefix); journal.ts reads `meta/_journal.json` (formats 5, 6 and 7);
 * files.ts reads the migration files (checksums, header directives, files the journal does not
 * list); required.ts refuses a missing or empty folder for the verbs that compare it with a database; snapshot.ts is the one snapshot reader, with the format-version check and the one meaning
 * of "newest": the snapshot of the journal's last entry, as drizzle-kit's generator takes it.
 * Generate, check, drift, lint and the runtime all read the folder through these files.
 */
export { loadMigrations, type LoadOptions, type MigrationFile } from './files.js';
export { loadRequiredMigrations } from './required.js';
export { readJournal, type Journal, type JournalEntry } from './journal.js';
export { findByName, migrationTag } from './layout.js';
export { newestSnapshot, readSnapshot, type Snapshot, type SnapshotFile } from './snapshot.js';
