import path from 'node:path';
import type { JournalEntry } from '../folder/journal.js';
import { META_DIR, snapshotFileName } from '../folder/layout.js';
import { listSnapshots, ORIGIN_ID, type SnapshotFile } from '../folder/snapshot.js';

/** One problem in the snapshot chain, with what to do about it. */
export interface ChainProblem {
  readonly kind: 'snapshot-missing' | 'snapshot-unlisted' | 'snapshot-collision' | 'snapshot-chain' | 'snapshot-duplicate-id';
  readonly message: string;
  readonly fix: string;
}

/**
 * Checks that the snapshots form one chain in journal order: every journal entry has its
 * snapshot, no snapshot stands outside the journal, ids are unique, and each snapshot's prevId
 * is the id of the one before (the first one's is drizzle-kit's origin id). Two snapshots with
 * the same prevId are a collision: two branches each generated a migration from the same parent.
 * A long drizzle-kit history often lacks the snapshots of its oldest migrations (written before
 * drizzle-kit kept them, or deleted since): entries before the first snapshot may have none, and
 * the chain starts at that snapshot. A gap after it is still a problem. An entry removed from
 * the journal with its files (`drizzle-kit drop`, a hole in `idx`) leaves the next snapshot
 * following a snapshot that is gone: that link is accepted (drizzle-kit's generator and
 * drizzle-orm's migrator never read it), and `check` notes the hole.
 */
export function checkSnapshotChain(dir: string, entries: readonly JournalEntry[]): ChainProblem[] {
  const problems: ChainProblem[] = [];
  const snapshots = listSnapshots(dir);
  const byIndex = new Map(snapshots.map((s) => [s.index, s]));
  const tags = new Map(entries.map((e) => [e.idx, e.tag]));
  const name = (s: SnapshotFile) => tags.get(s.index) ?? path.basename(s.path);
  const first = entries.findIndex((e) => byIndex.has(e.idx));
  for (const e of entries.slice(Math.max(first, 0))) {
    if (byIndex.has(e.idx)) continue;
    problems.push({
      kind: 'snapshot-missing',
      message: `${e.tag} has no snapshot (${path.join(META_DIR, snapshotFileName(e.idx))})`,
      fix: 'restore the snapshot from version control; if the migration is yours and unmerged, delete its files and journal entry and run generate again.',
    });
  }
  for (const s of snapshots) {
    if (tags.has(s.index)) continue;
    problems.push({
      kind: 'snapshot-unlisted',
      message: `${path.join(META_DIR, path.basename(s.path))} belongs to no journal entry`,
      fix: 'delete it if it is left over from a removed migration, or restore the journal entry it belongs to.',
    });
  }
  problems.push(...duplicateIds(snapshots, name), ...collisions(snapshots, name));
  const listed = entries.map((e) => byIndex.get(e.idx)).filter((s): s is SnapshotFile => s !== undefined);
  problems.push(...brokenLinks(listed, name, problems, first > 0, new Set(snapshots.map((s) => s.snapshot.id))));
  return problems;
}

function duplicateIds(snapshots: readonly SnapshotFile[], name: (s: SnapshotFile) => string): ChainProblem[] {
  const seen = new Map<string, SnapshotFile>();
  const problems: ChainProblem[] = [];
  for (const s of snapshots) {
    const other = seen.get(s.snapshot.id);
    if (other) {
      problems.push({
        kind: 'snapshot-duplicate-id',
        message: `${name(other)} and ${name(s)} have the same snapshot id ${s.snapshot.id}`,
        fix: 'a snapshot was copied by hand: delete the newer migration and generate it again.',
      });
    }
    seen.set(s.snapshot.id, s);
  }
  return problems;
}

function collisions(snapshots: readonly SnapshotFile[], name: (s: SnapshotFile) => string): ChainProblem[] {
  const byParent = new Map<string, SnapshotFile[]>();
  for (const s of snapshots) byParent.set(s.snapshot.prevId, [...(byParent.get(s.snapshot.prevId) ?? []), s]);
  const problems: ChainProblem[] = [];
  for (const [parent, children] of byParent) {
    if (children.length < 2) continue;
    const parentFile = snapshots.find((s) => s.snapshot.id === parent);
    const parentName = parent === ORIGIN_ID ? 'the empty schema' : parentFile ? name(parentFile) : `snapshot ${parent}`;
    problems.push({
      kind: 'snapshot-collision',
      message: `${children.map(name).join(' and ')} were all generated from ${parentName}: two branches each added a migration on the same parent`,
      fix: `delete your branch's migration (its .sql, .down.sql, snapshot and journal entry), take the other branch's files as they are, then run \`dbship generate --name <yours>\` again on top of them.`,
    });
  }
  return problems;
}

function brokenLinks(listed: readonly SnapshotFile[], name: (s: SnapshotFile) => string, found: readonly ChainProblem[], startsLate: boolean, present: ReadonlySet<string>): ChainProblem[] {
  // A collision already explains the broken link it causes; report each cause once.
  if (found.some((p) => p.kind === 'snapshot-collision' || p.kind === 'snapshot-missing')) return [];
  const problems: ChainProblem[] = [];
  listed.forEach((s, i) => {
    // When older snapshots are missing, the first one follows a snapshot no longer there.
    if (i === 0 && startsLate) return;
    // After a hole in idx, the snapshot follows the removed entry's snapshot, deleted with it.
    if (i > 0 && s.index > listed[i - 1]!.index + 1 && !present.has(s.snapshot.prevId)) return;
    const expected = i === 0 ? ORIGIN_ID : listed[i - 1]!.snapshot.id;
    if (s.snapshot.prevId === expected || (i === 0 && isOldOrigin(s))) return;
    const after = i === 0 ? 'the empty schema' : name(listed[i - 1]!);
    problems.push({
      kind: 'snapshot-chain',
      message: `${name(s)} does not follow ${after} (its prevId is ${s.snapshot.prevId || '(empty)'}, expected ${expected})`,
      fix: 'the migrations were reordered or one was generated on another branch: delete the misplaced migration and generate it again on top of the newest one.',
    });
  });
  return problems;
}

/** drizzle-kit's format 5 gave the first snapshot the origin id itself and an empty prevId. */
function isOldOrigin(s: SnapshotFile): boolean {
  return s.snapshot.id === ORIGIN_ID && s.snapshot.prevId === '';
}
