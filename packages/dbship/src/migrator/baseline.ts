import type { EngineSettings } from '../settings.js';
import { quoteIdent } from '../db/pool.js';
import { DbshipError } from '../errors.js';
import { sqlState, SqlState } from '../db/sqlstate.js';
import { warnWith, type EngineEvent, type RunOptions } from './runtime/events.js';
import type { MigrationFile } from './folder/files.js';
import { loadRequiredMigrations } from './folder/required.js';
import { analyze, findInBuild } from './runtime/plan.js';
import { withLockedSession } from './runtime/session.js';
import { withTransaction } from '../db/transaction.js';
import { appendHistory, readApplied, recordApplied, type AppliedMigration, type Queryable } from './runtime/tracking.js';

/** Where drizzle-kit's migrator records what it applied, unless configured otherwise. */
export const DRIZZLE_TABLE = 'drizzle.__drizzle_migrations';

export interface BaselineOptions extends RunOptions {
  /** The newest migration the database already has; default: the newest one drizzle-kit recorded. */
  readonly to?: string | undefined;
  /** drizzle-kit's table as `schema.table` (its `migrationsSchema` / `migrationsTable`). */
  readonly drizzleTable?: string | undefined;
  /** Recorded in the history rows; a default naming the source is used when absent. */
  readonly reason?: string | undefined;
}

export interface BaselineResult {
  /** The newest migration now recorded as applied. */
  readonly target: string;
  /** Migrations this run recorded with kind `baseline`, in build order. */
  readonly baselined: string[];
  /** Migrations up to the target that were already recorded (left as they are). */
  readonly alreadyRecorded: string[];
  /** drizzle-kit's table when it was found and read, with its row count. */
  readonly drizzle: { readonly table: string; readonly rows: number } | null;
}

/** A row of drizzle-kit's `__drizzle_migrations`: `created_at` is the journal's `when`. */
export interface DrizzleRow {
  readonly id: number;
  readonly hash: string;
  readonly createdAt: number;
}

/**
 * Adopts an existing database: records every build migration up to and including the target as
 * applied (kind `baseline`) without running it, with a `baseline` history row each, in one
 * transaction under the migration lock. When drizzle-kit's table exists, each of its rows must be
 * a build file with the same hash (else `BASELINE_CONFLICT`, exit 5), and without `to` the target
 * is the newest migration drizzle-kit applied. Rows already in `dbship.migrations` must agree.
 */
export async function baseline(config: EngineSettings, options: BaselineOptions = {}): Promise<BaselineResult> {
  const files = loadRequiredMigrations(config.migrations.dir, { strict: config.migrations.strict, warn: warnWith(options.onEvent), cwd: options.cwd });
  const table = parseTableName(options.drizzleTable ?? DRIZZLE_TABLE);
  return withLockedSession(config, options, async ({ client, actor, lockWaitMs }) => {
    const rows = await readDrizzleRows(client, table);
    const recordedByDrizzle = rows === null ? null : matchDrizzleRows(files, rows, table.label);
    const target = chooseTarget(files, recordedByDrizzle, options.to, table.label);
    if (recordedByDrizzle) checkDrizzleCoverage(files, recordedByDrizzle, target, options);
    const { already, todo } = checkRecorded(files, await readApplied(client), target);
    const reason = options.reason?.trim() || (recordedByDrizzle ? `adopted: applied by drizzle-kit (${table.label})` : `adopted: baseline --to ${target.name}`);
    await withTransaction(client, async () => {
      for (const f of todo) {
        await recordApplied(client, { name: f.name, checksum: f.checksum, durationMs: 0, lockWaitMs, kind: 'baseline' }, actor);
        await appendHistory(client, { name: f.name, action: 'baseline', checksum: f.checksum, durationMs: 0, lockWaitMs, reason }, actor);
      }
    });
    return {
      target: target.name,
      baselined: todo.map((f) => f.name),
      alreadyRecorded: already,
      drizzle: rows === null ? null : { table: table.label, rows: rows.length },
    };
  });
}

interface TableName {
  readonly sql: string;
  readonly label: string;
}

function parseTableName(name: string): TableName {
  const m = /^([A-Za-z_][A-Za-z0-9_$]*)\.([A-Za-z_][A-Za-z0-9_$]*)$/.exec(name);
  if (!m) {
    throw new DbshipError('USAGE', `--drizzle-table must be schema.table (got "${name}")`, {
      fix: `pass the migrationsSchema and migrationsTable of your drizzle config, e.g. ${DRIZZLE_TABLE}.`,
    });
  }
  return { sql: `${quoteIdent(m[1]!)}.${quoteIdent(m[2]!)}`, label: name };
}

/** drizzle-kit's rows in the order it applied them, or null when its table does not exist. */
async function readDrizzleRows(client: Queryable, table: TableName): Promise<DrizzleRow[] | null> {
  try {
    const { rows: found } = await client.query('SELECT to_regclass($1) IS NOT NULL AS present', [table.sql]);
    if (found[0]?.present !== true) return null;
    const { rows } = await client.query(`SELECT id, hash, created_at FROM ${table.sql} ORDER BY created_at, id`);
    return rows.map((r) => ({ id: Number(r.id), hash: String(r.hash), createdAt: Number(r.created_at) }));
  } catch (err) {
    if (sqlState(err) !== SqlState.InsufficientPrivilege) throw err;
    throw new DbshipError('CONFIG_INVALID', `the migration user may not read ${table.label}`, {
      cause: err,
      why: 'baseline reads drizzle-kit\'s record of applied migrations to know how far the database is.',
      fix: `grant it: GRANT USAGE ON SCHEMA ${table.label.split('.')[0]} TO <user>; GRANT SELECT ON ${table.label} TO <user>; or pass --to NAME.`,
    });
  }
}

/**
 * The build files drizzle-kit recorded, in build order. Every row must match a file by hash
 * (drizzle-kit's hash is sha256 of the file, as our checksum); else `BASELINE_CONFLICT` naming
 * each row that does not.
 */
export function matchDrizzleRows(files: readonly MigrationFile[], rows: readonly DrizzleRow[], label = DRIZZLE_TABLE): MigrationFile[] {
  const matched = new Set<MigrationFile>();
  const problems: string[] = [];
  for (const row of rows) {
    const candidates = files.filter((f) => f.checksum === row.hash);
    const file = candidates.find((f) => f.when === row.createdAt) ?? candidates.find((f) => !matched.has(f)) ?? candidates[0];
    if (file) {
      matched.add(file);
      continue;
    }
    const sameTime = files.find((f) => f.when === row.createdAt);
    problems.push(sameTime
      ? `${sameTime.name}: drizzle-kit applied a version with hash ${short(row.hash)} (row id ${row.id}); this build's file has ${short(sameTime.checksum)}`
      : `row id ${row.id} (hash ${short(row.hash)}, created_at ${row.createdAt}) matches no migration of this build`);
  }
  if (problems.length > 0) {
    throw new DbshipError('BASELINE_CONFLICT', `${label} does not match this build's migrations: ${problems.length} applied migration${problems.length > 1 ? 's differ' : ' differs'}`, {
      details: problems,
      why: 'a migration file was edited after drizzle-kit applied it, or the database was migrated from another branch; recording it as applied would hide the difference. Nothing was recorded.',
      fix: 'restore each file as drizzle-kit applied it (same bytes) and run baseline again, then put the change in a new migration (or accept the edit with `dbship repair --reason "..."`). `dbship drift` compares the live schema with the build.',
    });
  }
  return [...matched].sort((a, b) => a.index - b.index);
}

function chooseTarget(files: readonly MigrationFile[], recorded: readonly MigrationFile[] | null, to: string | undefined, label: string): MigrationFile {
  if (to !== undefined) return findInBuild(files, to);
  const newest = recorded?.at(-1);
  if (newest) return newest;
  throw new DbshipError('USAGE', recorded === null
    ? `baseline needs --to NAME: there is no ${label} table to tell how far this database is`
    : `baseline needs --to NAME: ${label} exists but records no migration`, {
    fix: `name the newest migration whose changes the database already has, e.g. \`dbship baseline --to ${files[0]!.name}\` (\`dbship drift\` afterwards confirms the schema matches).`,
  });
}

/** drizzle-kit's record and the baseline range must agree: no applied migration left out, no gap guessed. */
function checkDrizzleCoverage(files: readonly MigrationFile[], recorded: readonly MigrationFile[], target: MigrationFile, options: BaselineOptions): void {
  const newest = recorded.at(-1);
  if (newest && newest.index > target.index) {
    const later = recorded.filter((f) => f.index > target.index).map((f) => f.name);
    throw new DbshipError('BASELINE_CONFLICT', `drizzle-kit already applied ${later.join(', ')}, after ${target.name}`, {
      why: 'baselining only up to the target would leave those pending, and upgrade would run them a second time. Nothing was recorded.',
      fix: `baseline to the newest migration drizzle-kit applied: \`dbship baseline --to ${newest.name}\` (or omit --to).`,
    });
  }
  const unrecorded = files.filter((f) => f.index <= target.index && !recorded.includes(f)).map((f) => f.name);
  if (unrecorded.length === 0) return;
  if (options.to === undefined) {
    throw new DbshipError('BASELINE_CONFLICT', `drizzle-kit has no record of ${unrecorded.join(', ')}, though it applied later migrations`, {
      why: 'drizzle-kit skips a file older than the newest one it applied, so these may never have run here; recording them as applied would be a guess. Nothing was recorded.',
      fix: 'check the schema (`dbship drift`); apply the missing changes by hand if needed, then run baseline with an explicit --to NAME.',
    });
  }
  options.onEvent?.({
    type: 'warning',
    message: `${unrecorded.join(', ')} ${unrecorded.length > 1 ? 'are' : 'is'} not recorded by drizzle-kit; recording ${unrecorded.length > 1 ? 'them' : 'it'} as applied because --to ${target.name} says the database has ${unrecorded.length > 1 ? 'them' : 'it'}. Run \`dbship drift\` to confirm.`,
  });
}

/**
 * Rows already in `dbship.migrations` must be build files with the same checksum; a row after the
 * target is a conflict only when the baseline would record something before it.
 */
function checkRecorded(files: readonly MigrationFile[], applied: readonly AppliedMigration[], target: MigrationFile): { already: string[]; todo: MigrationFile[] } {
  const analysis = analyze(files, applied);
  const already = analysis.entries.filter((e) => e.state === 'applied').map((e) => e.name);
  const todo = files.filter((f) => f.index <= target.index && !already.includes(f.name));
  const problems: string[] = [];
  for (const e of analysis.entries) {
    if (e.state === 'modified') problems.push(`${e.name}: recorded with checksum ${short(e.applied!.checksum)}, the file has ${short(e.file!.checksum)}`);
    else if (e.state === 'missing' || e.state === 'unknown') problems.push(`${e.name}: recorded, but not a migration of this build`);
    else if (e.state === 'applied' && e.file!.index > target.index && todo.length > 0) problems.push(`${e.name}: already recorded, and it comes after ${target.name}`);
  }
  if (problems.length > 0) {
    throw new DbshipError('BASELINE_CONFLICT', `dbship.migrations already records migrations that conflict with a baseline to ${target.name}`, {
      details: problems,
      why: 'baseline adopts a database dbship has not tracked past the baseline point; these rows say otherwise. Nothing was recorded.',
      fix: 'run `dbship status`: a tracked database needs `dbship upgrade` (and `dbship repair --reason "..."` for an accepted file change), not a baseline.',
    });
  }
  return { already: already.filter((n) => files.find((f) => f.name === n)!.index <= target.index), todo };
}

function short(checksum: string): string {
  return checksum.slice(0, 12);
}
