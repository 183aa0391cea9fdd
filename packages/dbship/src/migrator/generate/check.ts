import path from 'node:path';
import { displayPath } from '../../display-path.js';
import { DbshipError } from '../../errors.js';
import { loadMigrations, type MigrationFile } from '../folder/files.js';
import { describeGap, journalGaps, readJournal, type JournalEntry } from '../folder/journal.js';
import { downPath } from '../folder/layout.js';
import { diffModels } from './kit.js';
import { formatFinding } from '../lint/format.js';
import { lintPaths, type LintFinding } from './lint-generated.js';
import { formatAmbiguity, RENAME_FIX } from './renames.js';
import { checkSnapshotChain } from './snapshot-chain.js';
import { describeSnapshotDiff, formatChange } from './snapshot-diff.js';
import { emptySnapshot, newestSnapshot } from '../folder/snapshot.js';

/** What kind of problem `check` found (stable: the `--json` output carries it). */
export type CheckProblemKind =
  | 'models-out-of-sync'
  | 'rename-ambiguity'
  | 'journal'
  | 'snapshot-missing'
  | 'snapshot-unlisted'
  | 'snapshot-collision'
  | 'snapshot-chain'
  | 'snapshot-duplicate-id'
  | 'snapshot-unreadable'
  | 'down-missing'
  | 'lint';

export interface CheckProblem {
  readonly kind: CheckProblemKind;
  readonly message: string;
  /** Supporting lines: the changed columns, the SQL generate would write, a lint finding. */
  readonly details: string[];
  readonly fix: string;
}

export interface CheckOptions {
  /** The migrations folder. */
  readonly dir: string;
  /** The models module. */
  readonly schemaPath: string;
  /** Paths in messages are shown relative to this folder (default: absolute). */
  readonly cwd?: string;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly migrations: number;
  /** The newest migration's tag, or null when there is none. */
  readonly newest: string | null;
  readonly problems: CheckProblem[];
  /** Facts that are no problem (a hole in the journal's idx), printed as notes. */
  readonly notes: string[];
}

/**
 * The CI / pre-commit gate (no database): the models equal the newest snapshot, the journal and
 * the files agree, the snapshots form one chain, every migration has a down file or is marked
 * irreversible, and the lint finds no errors. Collects every problem instead of stopping at the
 * first.
 */
export async function check(options: CheckOptions): Promise<CheckReport> {
  const rel = (p: string) => displayPath(p, options.cwd);
  const problems: CheckProblem[] = [];
  let entries: JournalEntry[] = [];
  try {
    entries = readJournal(options.dir, options.cwd).entries;
  } catch (err) {
    problems.push(fromError(err));
    return report(problems, entries);
  }
  const migrations = loadOrReport(options.dir, problems, options.cwd);
  const chain = guarded(() => checkSnapshotChain(options.dir, entries).map((p) => ({ ...p, details: [] })));
  problems.push(...chain);
  // Without every snapshot (or with an unreadable one) there is no trustworthy base to diff the models with.
  if (!chain.some((p) => p.kind === 'snapshot-missing' || p.kind === 'snapshot-unreadable')) problems.push(...(await checkModels(options)));
  problems.push(...checkDownFiles(migrations, rel));
  const findings = await lintPaths(migrations.flatMap((m) => [m.path, ...(m.downPath ? [m.downPath] : [])]), options.cwd);
  problems.push(...findings.filter((f) => f.severity === 'error').map((f) => lintProblem(f, rel)));
  return report(problems, entries);
}

function report(problems: CheckProblem[], entries: readonly JournalEntry[]): CheckReport {
  return { ok: problems.length === 0, migrations: entries.length, newest: entries.at(-1)?.tag ?? null, problems, notes: journalGaps(entries).map(describeGap) };
}

function fromError(err: unknown, kind: CheckProblemKind = 'journal'): CheckProblem {
  if (!(err instanceof DbshipError) || err.code !== 'MIGRATIONS_DIR_INVALID') throw err;
  return { kind, message: err.message, details: [...err.details, ...(err.why ? [`why: ${err.why}`] : [])], fix: err.fix ?? '' };
}

/** Runs a step whose unreadable-file errors become problems (other errors are bugs and thrown). */
function guarded(step: () => CheckProblem[]): CheckProblem[] {
  try {
    return step();
  } catch (err) {
    return [fromError(err, 'snapshot-unreadable')];
  }
}

function loadOrReport(dir: string, problems: CheckProblem[], cwd: string | undefined): MigrationFile[] {
  try {
    return loadMigrations(dir, { strict: true, cwd });
  } catch (err) {
    problems.push(fromError(err));
    return [];
  }
}

/** The models against the newest snapshot: out of sync, or a rename generate would refuse. */
export async function checkModels(options: CheckOptions): Promise<CheckProblem[]> {
  const prev = newestSnapshot(options.dir)?.snapshot ?? emptySnapshot();
  const diff = await diffModels(path.resolve(options.schemaPath), prev, 'check', options.cwd);
  if (diff.ambiguities.length > 0) {
    return [{
      kind: 'rename-ambiguity',
      message: 'the models differ from the newest snapshot, and both remove and add objects of the same kind (a rename?)',
      details: diff.ambiguities.map(formatAmbiguity),
      fix: `generate refuses renames: ${RENAME_FIX}`,
    }];
  }
  if (diff.up.length === 0) return [];
  const changes = describeSnapshotDiff(prev, diff.cur).map(formatChange);
  return [{
    kind: 'models-out-of-sync',
    message: 'the models changed without a migration: they differ from the newest snapshot',
    details: [...changes, 'SQL generate would write:', ...diff.up.map((s) => `  ${s.replace(/\s+/g, ' ').trim()}`)],
    fix: 'run `npm run db -- generate --name <what_changed>` and commit the generated files with the model change (or undo the model change).',
  }];
}

function checkDownFiles(migrations: readonly MigrationFile[], rel: (p: string) => string): CheckProblem[] {
  return migrations
    .filter((m) => m.downSql === null && m.irreversible === null)
    .map((m) => ({
      kind: 'down-missing' as const,
      message: `${m.name} has no down file (${rel(downPath(path.dirname(m.path), m.name))}) and is not marked irreversible`,
      details: [],
      fix: `write ${path.basename(downPath('', m.name))} with the SQL that undoes it (\`dbship init\` derives it from the snapshots when it can); if it cannot be undone, make that file's first line "-- dbship:irreversible <reason>" (the up file, possibly applied already, stays unchanged).`,
    }));
}

/** A lint error as a problem: the finding's headline, statement and why (the one finding format), and its fix. */
function lintProblem(f: LintFinding, rel: (p: string) => string): CheckProblem {
  const [headline, ...rest] = formatFinding({ ...f, file: rel(f.file) }, { statement: true });
  return { kind: 'lint', message: headline!, details: rest.filter((l) => !l.startsWith('  fix: ')).map((l) => l.slice(2)), fix: f.fix };
}
