import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DbshipError } from '../../errors.js';

/** One migration of the build, as committed under `migrations/`. */
export interface MigrationFile {
  /** Position in the journal (0-based, the `NNNN` prefix). */
  readonly index: number;
  /** The journal tag, e.g. `0001_add_user_bio`: the identity recorded in the database. */
  readonly name: string;
  /** The journal's `when` (ms since epoch) at generation time. */
  readonly when: number;
  readonly path: string;
  readonly sql: string;
  /** sha256 (hex) of the file's exact bytes; the same hash drizzle-kit's migrator stores. */
  readonly checksum: string;
  readonly downPath: string | null;
  readonly downSql: string | null;
  /** False when the file starts with `-- dbship:no-transaction`. */
  readonly transactional: boolean;
  /** The reason given by `-- dbship:irreversible <reason>` in the up or down file header, else null. */
  readonly irreversible: string | null;
}

export interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

export interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

export const JOURNAL_PATH = path.join('meta', '_journal.json');
export const NO_TRANSACTION = 'dbship:no-transaction';
export const IRREVERSIBLE = 'dbship:irreversible';

/** sha256 hex of a file's content. */
export function checksumOf(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Reads `meta/_journal.json`; an absent folder or journal is an empty history. */
export function readJournal(dir: string): Journal {
  const file = path.join(dir, JOURNAL_PATH);
  if (!existsSync(file)) return { version: '7', dialect: 'postgresql', entries: [] };
  let journal: Journal;
  try {
    journal = JSON.parse(readFileSync(file, 'utf8')) as Journal;
  } catch (err) {
    throw new DbshipError('MIGRATIONS_DIR_INVALID', `${file} is not valid JSON`, {
      cause: err,
      why: 'a merge conflict or a hand edit broke the migration journal.',
      fix: 'restore the journal from version control and regenerate the conflicting migration.',
    });
  }
  if (!Array.isArray(journal.entries)) {
    throw new DbshipError('MIGRATIONS_DIR_INVALID', `${file} has no "entries" list`, {
      fix: 'restore the journal from version control.',
    });
  }
  return journal;
}

/** The header directives: leading `--` comment lines before the first statement. */
export function headerDirectives(sql: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const raw of sql.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith('--')) break;
    const m = /^--\s*(dbship:[a-z-]+)\s*(.*)$/.exec(line);
    if (m) found.set(m[1]!, m[2]!.trim());
  }
  return found;
}

/**
 * Loads every migration of the build in journal order and validates the folder: each journal
 * entry has its SQL file, and no SQL file stands outside the journal. All problems are reported
 * in one `MIGRATIONS_DIR_INVALID` error (exit code 5).
 */
export function loadMigrations(dir: string): MigrationFile[] {
  const journal = readJournal(dir);
  const problems: string[] = [];
  const seen = new Set<string>();
  const migrations: MigrationFile[] = [];
  journal.entries.forEach((entry, position) => {
    if (entry.idx !== position) problems.push(`journal entry ${position} ("${entry.tag}") has idx ${entry.idx}; entries must be numbered 0, 1, 2, ...`);
    if (seen.has(entry.tag)) problems.push(`journal lists "${entry.tag}" twice`);
    seen.add(entry.tag);
    const file = path.join(dir, `${entry.tag}.sql`);
    if (!existsSync(file)) {
      problems.push(`journal lists "${entry.tag}" but ${entry.tag}.sql does not exist`);
      return;
    }
    const raw = readFileSync(file);
    const sql = raw.toString('utf8');
    const downPath = path.join(dir, `${entry.tag}.down.sql`);
    const downSql = existsSync(downPath) ? readFileSync(downPath, 'utf8') : null;
    const up = headerDirectives(sql);
    const down = downSql === null ? new Map<string, string>() : headerDirectives(downSql);
    const irreversible = up.get(IRREVERSIBLE) ?? down.get(IRREVERSIBLE) ?? null;
    migrations.push({
      index: position,
      name: entry.tag,
      when: entry.when,
      path: file,
      sql,
      checksum: checksumOf(raw),
      downPath: downSql === null ? null : downPath,
      downSql,
      transactional: !up.has(NO_TRANSACTION),
      irreversible: irreversible === null ? null : irreversible || 'marked irreversible',
    });
  });
  if (existsSync(dir)) {
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.sql')) continue;
      const tag = f.replace(/(\.down)?\.sql$/, '');
      if (!seen.has(tag)) problems.push(`${f} is not listed in ${JOURNAL_PATH}`);
    }
  }
  if (problems.length > 0) {
    throw new DbshipError('MIGRATIONS_DIR_INVALID', `the migrations folder ${dir} is inconsistent`, {
      details: problems,
      why: 'a file was added, renamed or deleted by hand, or a merge kept only part of a migration.',
      fix: 'restore the files from version control, or regenerate the migration with `dbship generate`.',
    });
  }
  return migrations;
}
