import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DbshipError } from '../../errors.js';
import type { DriftDifference, DriftKind } from './model.js';

/**
 * The reviewed list of accepted differences, committed next to the migrations so that it ships
 * with them (the init container reads it): `<migrations>/dbship-drift-accepted.json`. One entry
 * per difference, identified by a stable key (`kind object`) and the two sides as drift words
 * them, so that an accepted difference that changes (another type, another value list) fails
 * again instead of staying silently accepted.
 */
export const ACCEPTED_FILE = 'dbship-drift-accepted.json';

/** One accepted difference, as stored in the file. */
export interface AcceptedEntry {
  /** `kind object`, e.g. `extra-index public.users.users_lower_email_idx`. */
  readonly key: string;
  readonly kind: DriftKind;
  readonly object: string;
  readonly expected: string | null;
  readonly actual: string | null;
  /** Why this difference is acceptable, as the person who accepted it wrote it. */
  readonly reason: string;
}

/** A difference found by drift that the list accepts, with the reason given. */
export type AcceptedDifference = DriftDifference & { readonly reason: string };

/** The differences split by the list. */
export interface AcceptedSplit {
  /** Not accepted: these fail drift and deploy (warnings aside). */
  readonly open: DriftDifference[];
  readonly accepted: AcceptedDifference[];
  /** Entries that match no current difference: the database no longer differs this way. */
  readonly stale: AcceptedEntry[];
}

/** The key of a difference in the list. */
export function differenceKey(d: Pick<DriftDifference, 'kind' | 'object'>): string {
  return `${d.kind} ${d.object}`;
}

/** The path of the list for a migrations folder. */
export function acceptedPath(dir: string): string {
  return path.join(dir, ACCEPTED_FILE);
}

/** Reads the list; [] when the file does not exist. A malformed file is `MIGRATIONS_DIR_INVALID` (exit 5). */
export function readAccepted(dir: string): AcceptedEntry[] {
  const file = acceptedPath(dir);
  if (!existsSync(file)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw invalid(file, 'is not valid JSON', err);
  }
  const list = (parsed as { accepted?: unknown } | null)?.accepted;
  if (!Array.isArray(list)) throw invalid(file, 'has no "accepted" array');
  return list.map((entry, i) => validEntry(entry, i, file));
}

function validEntry(value: unknown, i: number, file: string): AcceptedEntry {
  const e = value as Partial<AcceptedEntry> | null;
  const text = (v: unknown): boolean => typeof v === 'string' && v !== '';
  const side = (v: unknown): boolean => v === null || typeof v === 'string';
  if (typeof e !== 'object' || e === null || !text(e.kind) || !text(e.object) || !side(e.expected) || !side(e.actual)) {
    throw invalid(file, `has a malformed entry #${i + 1} (it needs kind, object, expected and actual)`);
  }
  if (!text(e.reason?.trim())) throw invalid(file, `has an entry without a reason (#${i + 1}, ${e.kind} ${e.object})`);
  return { key: differenceKey(e as AcceptedEntry), kind: e.kind!, object: e.object!, expected: e.expected!, actual: e.actual!, reason: e.reason! };
}

/** Splits the differences into open and accepted ones, and finds the entries no difference matches. */
export function splitAccepted(differences: readonly DriftDifference[], entries: readonly AcceptedEntry[]): AcceptedSplit {
  const used = new Set<AcceptedEntry>();
  const open: DriftDifference[] = [];
  const accepted: AcceptedDifference[] = [];
  for (const d of differences) {
    const entry = entries.find((e) => !used.has(e) && matches(e, d));
    if (entry) {
      used.add(entry);
      accepted.push({ ...d, reason: entry.reason });
    } else {
      open.push(d);
    }
  }
  return { open, accepted, stale: entries.filter((e) => !used.has(e)) };
}

function matches(e: AcceptedEntry, d: DriftDifference): boolean {
  return e.key === differenceKey(d) && e.expected === d.expected && e.actual === d.actual;
}

/** The new list: accepted entries that still match, plus one entry per open difference with `reason`. */
export function acceptDifferences(split: AcceptedSplit, reason: string): AcceptedEntry[] {
  const kept = split.accepted.map((d) => entryOf(d, d.reason));
  const added = split.open.map((d) => entryOf(d, reason));
  return [...kept, ...added].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function entryOf(d: DriftDifference, reason: string): AcceptedEntry {
  return { key: differenceKey(d), kind: d.kind, object: d.object, expected: d.expected, actual: d.actual, reason };
}

/** Writes the list (or removes nothing: an empty list is written as such), atomically. */
export function writeAccepted(dir: string, entries: readonly AcceptedEntry[]): string {
  const file = acceptedPath(dir);
  const body = {
    $comment: 'Reviewed differences between the models (newest snapshot) and the database that deploy accepts. Written by `dbship drift --accept --reason "..."`; see docs/drift.md.',
    accepted: entries.map(({ kind, object, expected, actual, reason }) => ({ kind, object, expected, actual, reason })),
  };
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`);
  renameSync(tmp, file);
  return file;
}

function invalid(file: string, what: string, cause?: unknown): DbshipError {
  return new DbshipError('MIGRATIONS_DIR_INVALID', `the list of accepted drift ${file} ${what}`, {
    cause,
    why: 'a merge conflict or a hand edit broke it; drift cannot tell which differences were reviewed.',
    fix: 'restore it from version control, or delete it and run `dbship drift --accept --reason "..."` again to rewrite it.',
  });
}
