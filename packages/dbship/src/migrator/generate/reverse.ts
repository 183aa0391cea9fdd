import type { Node } from 'libpg-query';
import { CURRENT_SNAPSHOT_VERSION, emptySnapshot, type Snapshot, type SnapshotFile } from '../folder/snapshot.js';
import { dataChange } from '../lint/classify.js';
import { parseStatements } from '../sql/split.js';
import type { DrizzleKit } from './kit.js';
import { findRenameAmbiguities, formatAmbiguity } from './renames.js';

/** The down SQL of one migration, or why it cannot be derived from the snapshots. */
export type Reversal =
  | { readonly ok: true; readonly statements: string[] }
  | { readonly ok: false; readonly reason: string };

/** The two snapshots around one migration: before it (null for the empty schema) and after it. */
export interface SnapshotStep {
  readonly before: SnapshotFile | 'origin' | null;
  readonly after: SnapshotFile | null;
}

/**
 * Derives a migration's down SQL as drizzle-kit's diff from the snapshot after it back to the
 * snapshot before it, the reverse of how drizzle-kit generated it. Refuses, with the reason, what
 * the snapshots cannot say: a missing snapshot, a statement that changes data (a schema diff does
 * not undo an UPDATE), a step whose snapshots are equal although the file has statements (a
 * custom, hand-written migration), and removed-and-added objects (drizzle-kit would ask whether
 * they are renames, and no one can answer here).
 */
export async function reverseStep(kit: DrizzleKit, step: SnapshotStep, upSql: string): Promise<Reversal> {
  if (!step.after) return { ok: false, reason: 'no snapshot for this migration, so the schema after it is unknown' };
  if (!step.before) return { ok: false, reason: 'no snapshot for the migration before it, so the schema to return to is unknown' };
  const data = await dataStatements(upSql);
  if (data === null) return { ok: false, reason: 'the PostgreSQL parser cannot read the up file' };
  if (data.length > 0) return { ok: false, reason: `it changes data (${data.join(', ')}), which a schema diff cannot undo` };
  const before = current(kit, step.before === 'origin' ? null : step.before.snapshot);
  const after = current(kit, step.after.snapshot);
  if (!before || !after) return { ok: false, reason: 'its snapshots are in an old format that the installed drizzle-kit cannot convert' };
  const ambiguities = findRenameAmbiguities(after, before);
  if (ambiguities.length > 0) {
    return { ok: false, reason: `it removes and adds objects of the same kind (renames?): ${ambiguities.map(formatAmbiguity).join('; ')}` };
  }
  const forward = await kit.generateMigration(before, after);
  const statements = await kit.generateMigration(after, before);
  if (forward.length === 0 && (await hasStatements(upSql))) {
    return { ok: false, reason: 'a custom (hand-written) migration: its snapshot equals the one before, so the snapshots do not say what it did' };
  }
  return { ok: true, statements };
}

/** A snapshot in today's format (drizzle-kit's own converter for 5 and 6); null when impossible. */
function current(kit: DrizzleKit, snapshot: Snapshot | null): Snapshot | null {
  if (snapshot === null) return emptySnapshot();
  if (snapshot.version === CURRENT_SNAPSHOT_VERSION) return snapshot;
  return kit.upPgSnapshot ? kit.upPgSnapshot(snapshot) : null;
}

async function parse(sql: string): Promise<Node[] | null> {
  try {
    return (await parseStatements(sql)).map((s) => s.node);
  } catch {
    return null;
  }
}

/** `UPDATE public.users`, ... for every statement that writes rows; null when unparsable. */
async function dataStatements(sql: string): Promise<string[] | null> {
  const nodes = await parse(sql);
  if (nodes === null) return null;
  return nodes.flatMap((node) => {
    if ('TruncateStmt' in node) return ['TRUNCATE'];
    const change = dataChange(node);
    return change ? [`${change.verb} ${change.table.display}`] : [];
  });
}

async function hasStatements(sql: string): Promise<boolean> {
  return ((await parse(sql)) ?? []).length > 0;
}
