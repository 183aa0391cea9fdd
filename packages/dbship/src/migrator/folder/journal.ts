import { existsSync, readFileSync } from 'node:fs';
import { DbshipError } from '../../errors.js';
import { JOURNAL_PATH, journalPath } from './layout.js';
import { displayPath } from '../../display-path.js';

/** One migration as `meta/_journal.json` lists it. */
export interface JournalEntry {
  /**
   * drizzle-kit's number for the entry: the `NNNN` of the tag and of the snapshot file. It counts
   * 0, 1, 2, ... except where an entry was removed (`drizzle-kit drop`, or by hand): the next
   * entries keep their numbers, so a hole remains. Migrations run in the journal's order, never
   * by idx, as drizzle-orm's migrator runs them.
   */
  idx: number;
  /** drizzle-kit's snapshot format version when this entry was generated (`5`, `6` or `7`). */
  version: string;
  /** ms since epoch at generation time; drizzle-orm's migrator orders by it. */
  when: number;
  /** `NNNN_name`: the file name without `.sql`, and the identity recorded in the database. */
  tag: string;
  breakpoints: boolean;
}

/**
 * drizzle-kit's journal. Versions 5, 6 and 7 share this shape: version 5 journals (dialect `pg`)
 * keep their top-level version when drizzle-kit later appends version 6 and 7 entries.
 */
export interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

/** The dialect names drizzle-kit has written for PostgreSQL: `pg` up to format 5, then `postgresql`. */
export const POSTGRES_DIALECTS: readonly string[] = ['pg', 'postgresql'];

/** The journal of an empty history (also what generate starts a new folder with). */
export function emptyJournal(): Journal {
  return { version: '7', dialect: 'postgresql', entries: [] };
}

/**
 * Reads `meta/_journal.json`; an absent folder or journal is an empty history. A journal that is
 * not JSON, not a PostgreSQL journal, or has malformed entries is `MIGRATIONS_DIR_INVALID`
 * (exit 5), with every problem listed; nothing is changed.
 */
export function readJournal(dir: string, cwd?: string): Journal {
  const file = journalPath(dir);
  const shown = displayPath(file, cwd);
  if (!existsSync(file)) return emptyJournal();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DbshipError('MIGRATIONS_DIR_INVALID', `${shown} is not valid JSON`, {
      cause: err,
      why: 'a merge conflict or a hand edit broke the migration journal.',
      fix: 'restore the journal from version control and regenerate the conflicting migration.',
    });
  }
  const problems = journalProblems(parsed);
  if (problems.length > 0) {
    throw new DbshipError('MIGRATIONS_DIR_INVALID', `${shown} is not a drizzle-kit PostgreSQL journal`, {
      details: problems,
      why: 'a hand edit or a merge broke it, or the folder belongs to another tool or dialect.',
      fix: `restore ${JOURNAL_PATH} from version control; it must list every migration as {"idx", "version", "when", "tag", "breakpoints"}.`,
    });
  }
  return parsed as Journal;
}

function journalProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['the file is not a JSON object'];
  const j = value as Partial<Record<keyof Journal, unknown>>;
  const problems: string[] = [];
  if (j.dialect !== undefined && !POSTGRES_DIALECTS.includes(String(j.dialect))) {
    problems.push(`its dialect is "${String(j.dialect)}"; dbship reads PostgreSQL journals ("postgresql", or "pg" from older drizzle-kit)`);
  }
  if (!Array.isArray(j.entries)) return [...problems, 'it has no "entries" list'];
  j.entries.forEach((e: unknown, position) => problems.push(...entryProblems(e, position)));
  return problems;
}

function entryProblems(value: unknown, position: number): string[] {
  const at = `entry ${position}`;
  if (typeof value !== 'object' || value === null) return [`${at} is not an object`];
  const e = value as Partial<Record<keyof JournalEntry, unknown>>;
  const problems: string[] = [];
  if (typeof e.tag !== 'string' || e.tag === '') problems.push(`${at} has no "tag" (the migration's file name without .sql)`);
  // A tag names a file in the folder: a path in it would read (and downgrade) files elsewhere.
  else if (/[/\\]/.test(e.tag) || e.tag === '.' || e.tag === '..') problems.push(`${at} has the tag "${e.tag}", which is a path, not a file name`);
  if (typeof e.idx !== 'number' || !Number.isInteger(e.idx)) problems.push(`${at}${typeof e.tag === 'string' ? ` ("${e.tag}")` : ''} has no numeric "idx"`);
  if (typeof e.when !== 'number') problems.push(`${at}${typeof e.tag === 'string' ? ` ("${e.tag}")` : ''} has no numeric "when"`);
  return problems;
}

/** A hole in the journal's `idx` numbering: entries removed between two that remain. */
export interface JournalGap {
  /** The entry before the hole and the one after it. */
  readonly after: string;
  readonly before: string;
  /** The idx values no entry has any more. */
  readonly missing: readonly number[];
}

/**
 * The holes in the journal's `idx` numbering (0, 1, 2, 4: entry 3 was removed). Not an error:
 * drizzle-orm's migrator follows the entries in order and never reads `idx`, and the migrations
 * run in that order here too. `status` and `check` mention each hole as a note, because the
 * removed migration may still be recorded in databases that applied it (`status` then lists it
 * as missing, and `upgrade` refuses until it is restored or the database is repaired).
 */
export function journalGaps(entries: readonly JournalEntry[]): JournalGap[] {
  const gaps: JournalGap[] = [];
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1]!;
    const next = entries[i]!;
    if (next.idx <= prev.idx + 1) continue;
    const missing = Array.from({ length: next.idx - prev.idx - 1 }, (_, k) => prev.idx + 1 + k);
    gaps.push({ after: prev.tag, before: next.tag, missing });
  }
  return gaps;
}

/** One line about a hole, for `status` and `check`. */
export function describeGap(gap: JournalGap): string {
  const which = gap.missing.length === 1 ? `idx ${gap.missing[0]}` : `idx ${gap.missing[0]}-${gap.missing.at(-1)}`;
  return `the journal has no entry with ${which} between ${gap.after} and ${gap.before} (removed from the history): the migrations run in the journal's order, as drizzle-orm's migrator runs them`;
}
