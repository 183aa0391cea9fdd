/**
 * Generate and check: development-time only. drizzle-kit's diff engine (kit.ts, loaded lazily, an
 * optional peer) turns a model change into SQL; plan.ts and safe-forms.ts rewrite it into forms that
 * keep the running release working; render.ts and write.ts produce the up, down and snapshot files;
 * check.ts is the CI gate (models vs snapshot, snapshot chain, down files, lint). Never imported by
 * the runtime, so the production image needs neither drizzle-kit nor this folder's dependencies.
 */
import path from 'node:path';
import { displayPath } from '../../display-path.js';
import { DbshipError } from '../../errors.js';
import { loadMigrations } from '../folder/files.js';
import { readJournal } from '../folder/journal.js';
import { diffModels } from './kit.js';
import { lintPending, unsafeRefusal, type LintFinding, type PendingFile } from './lint-generated.js';
import { planDiff, relink, type PlannedMigration } from './plan.js';
import { formatAmbiguity, refuseRenameAmbiguities } from './renames.js';
import { loadParser } from '../sql/split.js';
import { planOnlineRename, resolves, type RenameRequest } from './online-rename.js';
import { planOnlineFill, type FillRequest } from './online-fill.js';
import { planOnlineRetype, type RetypeRequest } from './online-retype.js';
import { planOnlineSplit, resolvesSplit, type SplitRequest } from './online-split.js';
import { markAllowed, renderSql } from './render.js';
import { writeMigrationSet, type RenderedMigration } from './write.js';
import { migrationPaths, migrationTag } from '../folder/layout.js';
import { emptySnapshot, newestSnapshot, type Snapshot } from '../folder/snapshot.js';
import { CUSTOM_DOWN_HEADER, CUSTOM_HEADER } from '../folder/custom-template.js';

export interface GenerateOptions {
  /** The migrations folder (`config.migrations.dir`). */
  readonly dir: string;
  /** What the migration does, snake_case: becomes `NNNN_<name>`. */
  readonly name: string;
  /** Path of the models module. */
  readonly schemaPath: string;
  /** Write an empty, hand-written (data) migration instead of a diff. */
  readonly custom?: boolean;
  /** Write statements the lint rejects, each marked with a `-- dbship:allow` directive. */
  readonly allowUnsafe?: boolean;
  /**
   * A declared column rename, generated as an online change (expand, backfill, contract; see
   * docs/online-changes.md). The models must differ from the snapshot by exactly this rename.
   */
  readonly rename?: RenameRequest | undefined;
  /**
   * NOT NULL on a column that has NULLs, with the value they get, generated as an online change
   * (expand, backfill, contract). The models must differ from the snapshot by exactly this NOT NULL.
   */
  readonly fill?: FillRequest | undefined;
  /**
   * A type change of one column (integer -> bigint, text -> varchar(n), timestamp -> timestamptz
   * with a zone, or any with a --using expression), generated as an online change. The models must
   * differ from the snapshot by exactly this type.
   */
  readonly retype?: RetypeRequest | undefined;
  /**
   * One column replaced by two or more, with the expressions between both shapes, generated as
   * an online change. The models must differ from the snapshot by exactly this split.
   */
  readonly split?: SplitRequest | undefined;
  /** Clock for the journal's `when` (tests pin it). */
  readonly now?: () => number;
  /** Paths in messages are shown relative to this folder (default: absolute). */
  readonly cwd?: string;
}

/** One migration generate wrote. */
export interface GeneratedMigration {
  readonly tag: string;
  readonly upPath: string;
  readonly downPath: string;
  readonly snapshotPath: string;
  readonly up: string;
  readonly down: string;
  readonly transactional: boolean;
}

export interface GenerateResult {
  /** `no-changes`: the models equal the newest snapshot and nothing was written. */
  readonly status: 'written' | 'no-changes';
  readonly migrations: GeneratedMigration[];
  /** Lint findings on the written files (warnings; errors only with `allowUnsafe`). */
  readonly findings: LintFinding[];
  /** What the change leaves for later, told besides the files (e.g. columns an online key change keeps). */
  readonly notes?: readonly string[];
}

const NAME_PATTERN = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** Throws USAGE unless `name` is snake_case (letters, digits, single underscores) and short. */
export function validateMigrationName(name: string): void {
  if (NAME_PATTERN.test(name) && name.length <= 80) return;
  throw new DbshipError('USAGE', `invalid migration name "${name}"`, {
    why: 'the name becomes part of a file name and of the identity recorded in every database; it must be snake_case: lowercase letters, digits and single underscores, starting with a letter, at most 80 characters, no path characters.',
    fix: 'describe the change, e.g. --name add_user_bio.',
  });
}

/**
 * Generates the next migration(s) from the difference between the models and the newest
 * snapshot: up SQL in its safe forms, down SQL (the reverse diff) and the new snapshot, in
 * drizzle-kit's folder format. Lints what it would write and refuses (PROBLEMS_FOUND, nothing
 * written) on lint errors unless `allowUnsafe`. Writes nothing and returns `no-changes` when the
 * models and the snapshot agree.
 */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  validateMigrationName(options.name);
  loadMigrations(options.dir);
  // drizzle-kit's numbering: one past the last entry's idx (after a hole, more than the count).
  const first = (readJournal(options.dir, options.cwd).entries.at(-1)?.idx ?? -1) + 1;
  const prev = newestSnapshot(options.dir)?.snapshot ?? emptySnapshot();
  const planned = options.custom ? [planCustom(options.name, prev)] : await planModelChange(options, prev, first);
  if (planned.length === 0) return { status: 'no-changes', migrations: [], findings: [] };
  const checked = await lintPlanned(options, planned, first);
  const rendered = checked.plans.map((p, i) => render(p, first + i));
  writeMigrationSet(options.dir, rendered, (options.now ?? Date.now)());
  const migrations = rendered.map((r, i) => describe(options.dir, r, checked.plans[i]!));
  return { status: 'written', migrations, findings: checked.findings, notes: planned.flatMap((p) => p.notes ?? []) };
}

async function planModelChange(options: GenerateOptions, prev: Snapshot, first: number): Promise<PlannedMigration[]> {
  const { kit, cur, ambiguities, up } = await diffModels(path.resolve(options.schemaPath), prev, 'generate', options.cwd);
  const rename = options.rename;
  if ([rename, options.fill, options.retype, options.split].filter(Boolean).length > 1) {
    throw new DbshipError('USAGE', 'generate takes one of --rename, --fill, --retype and --split', { fix: 'generate each online change on its own, one after the other.' });
  }
  const split = options.split;
  if (split) {
    refuseRenameAmbiguities(ambiguities.filter((a) => !resolvesSplit(a, split)));
    return planOnlineSplit(options.name, prev, cur, split, first);
  }
  if (options.retype) {
    refuseRenameAmbiguities(ambiguities);
    await loadParser();
    return planOnlineRetype(options.name, prev, cur, options.retype, first);
  }
  if (options.fill) {
    refuseRenameAmbiguities(ambiguities);
    return planOnlineFill(options.name, prev, cur, options.fill, first);
  }
  if (rename) {
    const rest = ambiguities.filter((a) => !resolves(a, rename));
    refuseRenameAmbiguities(rest);
    if (rest.length === ambiguities.length) {
      throw new DbshipError('GENERATE_FAILED', `--rename ${rename.table}.${rename.from}=${rename.to}: the models show no such rename`, {
        details: ambiguities.map(formatAmbiguity),
        why: `the newest snapshot must have the column "${rename.from}" of ${rename.table} and the models "${rename.to}" in its place (and nothing else removed and added in that table).`,
        fix: 'rename the column in the models first (the name string of the column), then run generate with the same --rename.',
      });
    }
    await loadParser();
    return planOnlineRename(options.name, prev, cur, rename, first);
  }
  refuseRenameAmbiguities(ambiguities);
  return up.length === 0 ? [] : planDiff(kit, options.name, prev, cur, up);
}

interface Checked {
  readonly plans: PlannedMigration[];
  readonly findings: LintFinding[];
}

/**
 * Lints the files as they would be written. Errors refuse the whole set (nothing is written)
 * unless `allowUnsafe`; then each offending statement is marked with a `dbship:allow` directive
 * and the result is linted again, so that what is written passes `check` deliberately. Errors
 * that a directive cannot silence (a syntax error) refuse even then.
 */
async function lintPlanned(options: GenerateOptions, plans: PlannedMigration[], first: number): Promise<Checked> {
  const rel = (p: string) => displayPath(p, options.cwd);
  const findings = await lintPending(options.dir, pendingFiles(options.dir, plans, first), first);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length === 0) return { plans, findings };
  if (!options.allowUnsafe) throw unsafeRefusal(errors, rel);
  const marked = plans.map((p, i) => {
    const files = migrationPaths(options.dir, migrationTag(first + i, p.name), first + i);
    return markAllowed(p, errors.filter((f) => f.file === files.up), errors.filter((f) => f.file === files.down));
  });
  const again = await lintPending(options.dir, pendingFiles(options.dir, marked, first), first);
  const left = again.filter((f) => f.severity === 'error');
  if (left.length > 0) throw unsafeRefusal(left, rel);
  return { plans: marked, findings: [...errors, ...again] };
}

function pendingFiles(dir: string, plans: readonly PlannedMigration[], first: number): PendingFile[] {
  return plans.flatMap((p, i) => {
    const r = render(p, first + i);
    const files = migrationPaths(dir, r.tag, r.index);
    return [{ path: files.up, content: r.up }, { path: files.down, content: r.down }, { path: files.snapshot, content: JSON.stringify(r.snapshot, null, 2) }];
  });
}

export { CUSTOM_HEADER } from '../folder/custom-template.js';

function planCustom(name: string, prev: Snapshot): PlannedMigration {
  // A custom migration does not change the schema: its snapshot is the previous one, re-linked.
  const snapshot = relink(prev, prev.id);
  return { name, header: CUSTOM_HEADER, up: [], downHeader: CUSTOM_DOWN_HEADER, down: [], transactional: true, snapshot };
}

function render(p: PlannedMigration, index: number): RenderedMigration {
  const tag = migrationTag(index, p.name);
  return { tag, index, up: renderSql(p.header, p.up), down: renderSql(p.downHeader, p.down), snapshot: p.snapshot };
}

function describe(dir: string, r: RenderedMigration, p: PlannedMigration): GeneratedMigration {
  const paths = migrationPaths(dir, r.tag, r.index);
  return { tag: r.tag, upPath: paths.up, downPath: paths.down, snapshotPath: paths.snapshot, up: r.up, down: r.down, transactional: p.transactional };
}
