import { DbshipError } from '../../errors.js';
import type { Snapshot } from '../folder/snapshot.js';

/** One kind of object that is both removed and added: drizzle-kit would ask "renamed?". */
export interface RenameAmbiguity {
  /** `table`, `column of "public.users"`, `enum`, ... */
  readonly what: string;
  readonly removed: readonly string[];
  readonly added: readonly string[];
}

type Keyed = Record<string, unknown> | undefined;

function diffKeys(what: string, prev: Keyed, cur: Keyed): RenameAmbiguity | undefined {
  const before = Object.keys(prev ?? {});
  const after = Object.keys(cur ?? {});
  const removed = before.filter((k) => !after.includes(k));
  const added = after.filter((k) => !before.includes(k));
  return removed.length > 0 && added.length > 0 ? { what, removed, added } : undefined;
}

/**
 * Every place where drizzle-kit's diff would stop and prompt on the terminal, because objects of
 * one kind (in one table, for columns and policies) are both removed and added. The categories
 * mirror drizzle-kit's resolvers: schemas, enums, sequences, roles, policies, tables, views and
 * columns. Detecting them first means generate never waits for an answer that cannot come.
 */
export function findRenameAmbiguities(prev: Snapshot, cur: Snapshot): RenameAmbiguity[] {
  const found: Array<RenameAmbiguity | undefined> = [
    diffKeys('schema', prev.schemas, cur.schemas),
    diffKeys('enum', prev.enums, cur.enums),
    diffKeys('sequence', prev.sequences, cur.sequences),
    diffKeys('role', prev.roles, cur.roles),
    diffKeys('policy', prev.policies, cur.policies),
    diffKeys('table', prev.tables, cur.tables),
    diffKeys('view', prev.views, cur.views),
  ];
  for (const [key, table] of Object.entries(cur.tables)) {
    const before = prev.tables[key];
    if (!before) continue;
    found.push(diffKeys(`column of table "${key}"`, before.columns, table.columns));
    found.push(diffKeys(`policy of table "${key}"`, before.policies as Keyed, table.policies as Keyed));
  }
  return found.filter((a): a is RenameAmbiguity => a !== undefined);
}

/** `column of table "public.users": removed "title"; added "headline"`. */
export function formatAmbiguity(a: RenameAmbiguity): string {
  return `${a.what}: removed ${a.removed.map((n) => `"${n}"`).join(', ')}; added ${a.added.map((n) => `"${n}"`).join(', ')}`;
}

/** The expand/contract steps that replace a rename, one migration each. */
export const RENAME_STEPS = [
  'add the new object next to the old one and generate',
  'backfill it and switch the code to it',
  'in a later release remove the old one and generate',
] as const;

/** What to do when the removal and the addition really are unrelated. */
export const DROP_AND_ADD = 'If you really meant drop-and-add, do the removal and the addition in two separate generate runs.';

/** The expand/contract steps that replace a rename, as one sentence. */
export const RENAME_FIX = `do it in steps, one migration each: ${RENAME_STEPS.map((step, i) => `(${i + 1}) ${step}`).join('; ')}. ${DROP_AND_ADD}`;

/** generate's refusal of a rename; carries the ambiguities for the CLI's short form. */
export class RenameRefusal extends DbshipError {
  readonly ambiguities: readonly RenameAmbiguity[];

  constructor(found: readonly RenameAmbiguity[]) {
    super('PROBLEMS_FOUND', 'the models both remove and add objects of the same kind: this looks like a rename, and dbship never guesses renames', {
      details: found.map(formatAmbiguity),
      why: RENAME_WHY,
      fix: RENAME_FIX,
    });
    this.ambiguities = found;
  }
}

/** Why a rename is refused. */
export const RENAME_WHY = 'a rename breaks the pods of the previous release, which keep using the old name until the rollout ends; and dropping + adding would lose the data.';

/** Throws a refusal that explains the expand/contract way when any rename ambiguity exists. */
export function refuseRenameAmbiguities(found: readonly RenameAmbiguity[]): void {
  if (found.length > 0) throw new RenameRefusal(found);
}
