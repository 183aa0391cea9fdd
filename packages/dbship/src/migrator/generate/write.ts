import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DbshipError } from '../../errors.js';
import { readJournal, type JournalEntry } from '../folder/journal.js';
import { journalPath, META_DIR, migrationPaths } from '../folder/layout.js';
import type { Snapshot } from '../folder/snapshot.js';
import { displayPath } from '../../display-path.js';

/** One migration ready to be written: its files' content, already rendered. */
export interface RenderedMigration {
  /** The journal tag, `NNNN_name`. */
  readonly tag: string;
  readonly index: number;
  readonly up: string;
  readonly down: string;
  readonly snapshot: Snapshot;
}

/**
 * Writes a set of migrations so that the folder is never left half-written: every file goes to
 * a temporary name first, then all are renamed into place, the journal last. The journal is what
 * makes a migration exist, so a crash before its rename leaves only files that `check` reports
 * as unlisted, never a listed migration with a missing part. On any error the renamed files are
 * removed again.
 */
export function writeMigrationSet(dir: string, migrations: readonly RenderedMigration[], now: number): void {
  mkdirSync(path.join(dir, META_DIR), { recursive: true });
  const journal = readJournal(dir);
  // drizzle-kit's own migrator orders by `when`: keep it increasing even if this clock is behind.
  const start = Math.max(now, (journal.entries.at(-1)?.when ?? 0) + 1);
  const files: Array<{ target: string; content: string }> = [];
  migrations.forEach((m, i) => {
    const p = migrationPaths(dir, m.tag, m.index);
    files.push({ target: p.up, content: m.up }, { target: p.down, content: m.down }, { target: p.snapshot, content: JSON.stringify(m.snapshot, null, 2) });
    const entry: JournalEntry = { idx: m.index, version: '7', when: start + i, tag: m.tag, breakpoints: true };
    journal.entries.push(entry);
  });
  const existing = files.filter((f) => existsSync(f.target)).map((f) => displayPath(f.target, dir));
  if (existing.length > 0) {
    throw new DbshipError('GENERATE_FAILED', `refusing to overwrite existing files: ${existing.join(', ')}`, {
      why: 'these files are not listed in the journal (left over from a deleted or interrupted migration, or from another branch).',
      fix: 'delete them (or restore the journal entry they belong to from version control), then run generate again.',
    });
  }
  files.push({ target: journalPath(dir), content: JSON.stringify(journal, null, 2) });
  commitFiles(files);
}

function commitFiles(files: ReadonlyArray<{ target: string; content: string }>): void {
  const suffix = `.tmp-${process.pid}-${Date.now()}`;
  const temps: string[] = [];
  const placed: string[] = [];
  try {
    for (const f of files) {
      writeFileSync(f.target + suffix, f.content);
      temps.push(f.target + suffix);
    }
    for (const f of files) {
      renameSync(f.target + suffix, f.target);
      placed.push(f.target);
    }
  } catch (err) {
    // The journal is renamed last, so when anything failed it still lists none of these files.
    for (const t of temps) rmSync(t, { force: true });
    for (const p of placed) rmSync(p, { force: true });
    throw new DbshipError('GENERATE_FAILED', 'could not write the migration files; nothing was written', {
      cause: err,
      why: err instanceof Error ? err.message : String(err),
      fix: 'check that the migrations folder is writable and the disk is not full, then run generate again.',
    });
  }
}
