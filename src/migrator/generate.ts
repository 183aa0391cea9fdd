import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DbshipError } from '../errors.js';
import { loadMigrations } from './files.js';
import { loadDrizzleKit, loadModels } from './generate-kit.js';
import { refuseRenameAmbiguities } from './generate-renames.js';
import { migrationPaths, writeMigrationSet, type RenderedMigration } from './generate-write.js';
import { newestSnapshot, type Snapshot } from './snapshot.js';

export interface GenerateOptions {
  /** The migrations folder (`config.migrations.dir`). */
  readonly dir: string;
  /** What the migration does, snake_case: becomes `NNNN_<name>`. */
  readonly name: string;
  /** Path of the models module (default `src/db/schema.ts` under the project). */
  readonly schemaPath: string;
  /** Write an empty, hand-written (data) migration instead of a diff. */
  readonly custom?: boolean;
  /** Write statements the lint rejects, marked as deliberately allowed. */
  readonly allowUnsafe?: boolean;
  /** Clock for the journal's `when` (tests pin it). */
  readonly now?: () => number;
}

/** One migration generate wrote (or would write). */
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
}

/** A migration before rendering: statements, header directives, the schema after it. */
export interface PlannedMigration {
  readonly name: string;
  readonly header: string[];
  readonly up: string[];
  readonly down: string[];
  readonly transactional: boolean;
  readonly snapshot: Snapshot;
}

const NAME_PATTERN = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
// drizzle-kit's own delimiter: its migrator and ours split on it (statements end with `;`).
const BREAKPOINT = '--> statement-breakpoint\n';

/** Throws USAGE unless `name` is snake_case (letters, digits, single underscores) and short. */
export function validateMigrationName(name: string): void {
  if (NAME_PATTERN.test(name) && name.length <= 80) return;
  throw new DbshipError('USAGE', `invalid migration name "${name}"`, {
    why: 'the name becomes part of a file name and of the identity recorded in every database; it must be snake_case: lowercase letters, digits and single underscores, starting with a letter, at most 80 characters, no path characters.',
    fix: 'describe the change, e.g. --name add_user_bio.',
  });
}

/**
 * Generates the next migration from the difference between the models and the newest snapshot:
 * up SQL, down SQL (the reverse diff) and the new snapshot, in drizzle-kit's folder format.
 * Returns `no-changes` and writes nothing when they are in sync.
 */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  validateMigrationName(options.name);
  const existing = loadMigrations(options.dir);
  const prev = newestSnapshot(options.dir);
  const planned = options.custom ? [planCustom(options.name, prev)] : await planDiff(options, prev);
  if (planned.length === 0) return { status: 'no-changes', migrations: [] };
  const rendered = planned.map((p, i) => render(p, existing.length + i));
  writeMigrationSet(options.dir, rendered, (options.now ?? Date.now)());
  return { status: 'written', migrations: rendered.map((r, i) => describe(options.dir, r, planned[i]!)) };
}

async function planDiff(options: GenerateOptions, prev: Snapshot): Promise<PlannedMigration[]> {
  const kit = await loadDrizzleKit();
  const models = await loadModels(path.resolve(options.schemaPath));
  const cur = kit.generateDrizzleJson(models, prev.id);
  refuseRenameAmbiguities(prev, cur);
  const up = await kit.generateMigration(prev, cur);
  if (up.length === 0) return [];
  const down = await kit.generateMigration(cur, prev);
  return [{ name: options.name, header: [], up, down, transactional: true, snapshot: cur }];
}

/** The header of a hand-written migration: explains the directives dbship reads. */
export const CUSTOM_HEADER = [
  '-- Hand-written migration: put the SQL below. Statements run in one transaction.',
  '-- Header directives (comment lines before the first statement):',
  '--   -- dbship:no-transaction          run outside a transaction, statement by statement',
  '--                                     (required for CREATE INDEX CONCURRENTLY; make each',
  '--                                     statement idempotent, e.g. IF NOT EXISTS).',
  '--   -- dbship:irreversible <reason>   this migration cannot be undone; downgrade refuses it.',
  '-- Keep one concern per migration, and batch large backfills.',
];

const CUSTOM_DOWN_HEADER = [
  '-- Undo of the hand-written migration with the same name: put the SQL that reverses it below,',
  '-- or mark it with "-- dbship:irreversible <reason>" as the first line when it cannot be undone.',
];

function planCustom(name: string, prev: Snapshot): PlannedMigration {
  // A custom migration does not change the schema: its snapshot is the previous one, re-linked.
  const snapshot = { ...structuredClone(prev), id: randomUUID(), prevId: prev.id };
  return { name, header: CUSTOM_HEADER, up: [], down: [], transactional: true, snapshot };
}

function render(p: PlannedMigration, index: number): RenderedMigration {
  const tag = `${String(index).padStart(4, '0')}_${p.name}`;
  const downHeader = p.header === CUSTOM_HEADER ? CUSTOM_DOWN_HEADER : p.header;
  return { tag, index, up: join(p.header, p.up), down: join(downHeader, p.down), snapshot: p.snapshot };
}

function join(header: readonly string[], statements: readonly string[]): string {
  const body = statements.join(BREAKPOINT);
  if (header.length === 0) return body;
  return `${header.join('\n')}\n${body}`;
}

function describe(dir: string, r: RenderedMigration, p: PlannedMigration): GeneratedMigration {
  const paths = migrationPaths(dir, r.tag, r.index);
  return { tag: r.tag, upPath: paths.up, downPath: paths.down, snapshotPath: paths.snapshot, up: r.up, down: r.down, transactional: p.transactional };
}
