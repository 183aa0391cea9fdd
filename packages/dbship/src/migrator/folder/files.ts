import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { DbshipError } from '../../errors.js';
import { readJournal } from './journal.js';
import { downPath, JOURNAL_PATH, parseMigrationFileName, upPath } from './layout.js';
import { decodeSqlFile } from '../sql/encoding.js';
import { displayPath } from '../../display-path.js';
import { onlinePhaseOf, type OnlinePhase } from './online.js';

/** One migration of the build, as committed under `migrations/`. */
export interface MigrationFile {
  /**
   * Position in the journal (0-based): the order migrations run in. It is the `NNNN` prefix
   * except after a hole in the journal's `idx` (an entry removed), where the prefix runs ahead.
   */
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
  /** The phase of an online change (`-- dbship:expand` / `backfill` / `contract`), else null. */
  readonly online: OnlinePhase | null;
}

export const NO_TRANSACTION = 'dbship:no-transaction';
export const IRREVERSIBLE = 'dbship:irreversible';

/** sha256 hex of a file's content. */
export function checksumOf(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
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

/** How {@link loadMigrations} treats `.sql` files the journal does not list. */
export interface LoadOptions {
  /**
   * True: an unlisted file is an error, with the other problems (`MIGRATIONS_DIR_INVALID`, exit 5).
   * False: it is ignored, as drizzle-orm's migrator ignores it, with a warning naming it.
   */
  readonly strict: boolean;
  /** Receives one warning per ignored file (when not strict). */
  readonly warn?: ((message: string) => void) | undefined;
  /** The caller's working directory: paths in messages are shown from it (default: absolute). */
  readonly cwd?: string | undefined;
}

/**
 * Loads every migration of the build in journal order and validates the folder: each journal
 * entry has its SQL file, once. All problems are reported in one `MIGRATIONS_DIR_INVALID` error
 * (exit code 5). A `.sql` file outside the journal (often left over from an abandoned branch) is
 * one of them by default; callers that run migrations pass their strict setting instead, and
 * then such a file is ignored with a warning unless strict. The entries' `idx` values are not
 * checked: drizzle-orm's migrator never reads them, and `drizzle-kit drop` leaves a hole when it
 * removes an entry before the last (see {@link journalGaps}, which status and check report).
 */
export function loadMigrations(dir: string, options: LoadOptions = { strict: true }): MigrationFile[] {
  const journal = readJournal(dir, options.cwd);
  const problems: string[] = [];
  const seen = new Set<string>();
  const migrations: MigrationFile[] = [];
  journal.entries.forEach((entry, position) => {
    if (seen.has(entry.tag)) problems.push(`journal lists "${entry.tag}" twice`);
    seen.add(entry.tag);
    const file = upPath(dir, entry.tag);
    if (!existsSync(file)) {
      problems.push(`journal lists "${entry.tag}" but ${entry.tag}.sql does not exist`);
      return;
    }
    migrations.push(readMigration(dir, entry.tag, position, entry.when, options.cwd, problems));
  });
  problems.push(...onlineProblems(migrations));
  const unlisted = unlistedFiles(dir, seen);
  if (options.strict) problems.push(...unlisted.map((f) => `${f} is not listed in ${JOURNAL_PATH}`));
  else for (const f of unlisted) options.warn?.(unlistedWarning(f));
  if (problems.length > 0) {
    throw new DbshipError('MIGRATIONS_DIR_INVALID', `the migrations folder ${displayPath(dir, options.cwd)} is inconsistent`, {
      details: problems,
      why: 'a file was added, renamed or deleted by hand, or a merge kept only part of a migration.',
      fix: 'restore the files from version control, or regenerate the migration with `dbship generate`.',
    });
  }
  return migrations;
}

function readMigration(dir: string, tag: string, index: number, when: number, cwd: string | undefined, problems: string[]): MigrationFile {
  const file = upPath(dir, tag);
  const raw = readFileSync(file);
  const sql = decodeSqlFile(raw, file, cwd);
  const down = downPath(dir, tag);
  const downSql = existsSync(down) ? decodeSqlFile(readFileSync(down), down, cwd) : null;
  const upHeader = headerDirectives(sql);
  const downHeader = downSql === null ? new Map<string, string>() : headerDirectives(downSql);
  const irreversible = upHeader.get(IRREVERSIBLE) ?? downHeader.get(IRREVERSIBLE) ?? null;
  return {
    index,
    name: tag,
    when,
    path: file,
    sql,
    checksum: checksumOf(raw),
    downPath: downSql === null ? null : down,
    downSql,
    transactional: !upHeader.has(NO_TRANSACTION),
    irreversible: irreversible === null ? null : irreversible || 'marked irreversible',
    online: onlinePhaseOf(tag, upHeader, problems),
  };
}

/** A contract must close an expand that comes before it in the build. */
function onlineProblems(migrations: readonly MigrationFile[]): string[] {
  const problems: string[] = [];
  for (const m of migrations) {
    const phase = m.online;
    if (phase?.phase !== 'contract') continue;
    const expand = migrations.find((e) => e.name === phase.expand);
    if (!expand || expand.online?.phase !== 'expand' || expand.index >= m.index) {
      problems.push(`${m.name}: its expand=${phase.expand} is not an earlier "-- dbship:expand" migration of this build`);
    }
    if (!m.transactional) problems.push(`${m.name}: a contract runs in one transaction; remove -- ${NO_TRANSACTION}`);
  }
  for (const m of migrations) {
    if (m.online?.phase === 'backfill' && !m.transactional) problems.push(`${m.name}: a backfill commits batch by batch by itself; remove -- ${NO_TRANSACTION}`);
  }
  return problems;
}

/**
 * The migration a running build needs applied to serve (its `/readyz` target): the newest one,
 * not counting trailing contracts. A contract waits until the previous release is gone, and the
 * build that carries it already works without it (it uses only the new shape).
 */
export function readinessTarget(files: readonly MigrationFile[]): MigrationFile | null {
  let end = files.length;
  while (end > 0 && files[end - 1]!.online?.phase === 'contract') end--;
  return files[end - 1] ?? null;
}

/** The `.sql` / `.down.sql` files of `dir` whose tag the journal does not list, by name. */
export function unlistedFiles(dir: string, listed: ReadonlySet<string>): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => {
      const parsed = parseMigrationFileName(f);
      return parsed !== undefined && !listed.has(parsed.tag);
    })
    .sort();
}

function unlistedWarning(file: string): string {
  return `${file} is not listed in ${JOURNAL_PATH}: ignored, as drizzle-orm's migrator ignores it (left over from another branch?). Delete it, or add it with \`dbship generate --custom\`; set MIGRATE_STRICT=true (or --strict) to refuse such a folder instead.`;
}
