/**
 * Drift: the live database compared with the models as the newest snapshot describes them.
 * It reads the catalog (catalog.ts, catalog-queries.ts), builds the expected model from the
 * snapshot (read by folder/snapshot.ts, turned into a model by snapshot-model-expected.ts), normalises types and expressions the way PostgreSQL stores them
 * (type.ts, expr.ts; texts those still find different are read by the server itself,
 * server-expr.ts) and lists every difference (compare*.ts, difference.ts). Used by `drift` and
 * by `deploy`'s verification step; it never changes the database.
 */
import type pg from 'pg';
import { describeDb, type DbConnection } from '../../config/db-connection.js';
import type { EngineSettings } from '../../settings.js';
import { DbshipError } from '../../errors.js';
import { sqlState, SqlState } from '../../db/sqlstate.js';
import { readCatalog } from './catalog.js';
import { acceptedPath, readAccepted, splitAccepted, type AcceptedDifference, type AcceptedEntry } from './accepted.js';
import { compareModels } from './compare.js';
import { ParserNotLoaded, prepareExpressions } from './expr.js';
import { driftScope, type DriftDifference, type SchemaModel } from './model.js';
import { withStoredNames } from './stored-names.js';
import { bookkeepingSchemas, DRIZZLE_TRACKING, withoutTrackingTables, type DrizzleTracking } from './tracking.js';
import { readJournal } from '../folder/journal.js';
import { entrySnapshot, newestSnapshot, requireCurrent, type SnapshotFile } from '../folder/snapshot.js';
import { headerDirectives } from '../folder/files.js';
import { upPath } from '../folder/layout.js';
import { CONTRACT } from '../folder/online.js';
import { readFileSync } from 'node:fs';
import type { Journal } from '../folder/journal.js';
import { connectionReason } from '../../db/sqlstate.js';
import { migrationDb, withReadSession } from '../runtime/session.js';
import { trackingOf } from '../runtime/tracking-names.js';
import { expectedModel } from './snapshot-model-expected.js';
import { reconcileExpressions } from './server-expr.js';

export type { DriftDifference, DriftKind, DriftSeverity } from './model.js';
export type { AcceptedDifference, AcceptedEntry } from './accepted.js';

/** What `detectDrift` found. */
export interface DriftReport {
  /**
   * The differences between the models and the live database that the accepted list does not
   * accept; those of severity `error` fail drift and deploy (see {@link failingDifferences}).
   */
  readonly differences: DriftDifference[];
  /** Differences the committed list accepts, each with its reason. */
  readonly accepted: AcceptedDifference[];
  /** Entries of the list that match no difference any more: remove them (`dbship drift --accept`). */
  readonly stale: AcceptedEntry[];
  /** The path of the accepted list (it may not exist). */
  readonly acceptedFile: string;
  /** The snapshot used as the models, or null when there is none (the models are then empty). */
  readonly snapshot: string | null;
  /** Migrations of this build the database has not recorded: differences are expected until they run. */
  readonly pending: string[];
  /** Migrations the database has recorded that this build does not have (the database is ahead). */
  readonly unknown: string[];
}

/** Where the bookkeeping lives, so that drift never reports it. */
export interface DriftOptions {
  /** dbship's tracking schema (default `dbship`). */
  readonly trackingSchema?: string | undefined;
  /** drizzle-orm's tracking table (default `drizzle.__drizzle_migrations`). */
  readonly drizzle?: DrizzleTracking | undefined;
}

/** The differences that fail `drift` and `deploy`: not accepted, severity `error`. */
export function failingDifferences(report: Pick<DriftReport, 'differences'>): DriftDifference[] {
  return report.differences.filter((d) => d.severity === 'error');
}

/** How long one catalog query may take before drift gives up. */
const STATEMENT_TIMEOUT = '60s';

/**
 * Compares the live database with the models as recorded in the newest drizzle-kit snapshot
 * (the snapshot of the journal's last entry, `migrations/meta/NNNN_snapshot.json`), so it
 * needs neither drizzle-kit nor the model sources and runs in the production image. Reads pg_catalog on one connection, in one read-only
 * REPEATABLE READ transaction; changes nothing. Only `public` and the schemas the models use are
 * compared; dbship's and drizzle's tracking schemas and tables are ignored, names are compared as
 * PostgreSQL stores them (63 bytes), and the committed list of accepted differences
 * (`dbship-drift-accepted.json` in the migrations folder) is applied. Throws `DB_UNREACHABLE`
 * (exit 3) when the database cannot be reached, `MIGRATIONS_DIR_INVALID` (exit 5) for an
 * unreadable snapshot, journal or accepted list.
 */
export async function detectDrift(config: EngineSettings, options: DriftOptions = {}): Promise<DriftReport> {
  const dir = config.migrations.dir;
  const journal = readJournal(dir);
  const tags = journal.entries.map((e) => e.tag);
  const acceptedList = readAccepted(dir);
  const drizzle = options.drizzle ?? DRIZZLE_TRACKING;
  const db = migrationDb(config);
  let reference: SnapshotFile | null = null;
  let expected: SchemaModel | undefined;
  const live = await withReadSession(config, async (client) => {
    const names = await readAppliedNames(client).catch((err: unknown) => {
      throw catalogError(db, err);
    });
    reference = referenceSnapshot(dir, journal, names);
    expected = withStoredNames(expectedModel(reference?.snapshot ?? null));
    const ignored = bookkeepingSchemas(options.trackingSchema ?? config.migrations.trackingSchema, expected, drizzle);
    const read = await readLive(client, db, driftScope(expected, ignored), expected);
    expected = read.expected;
    return read;
  });
  const applied = live.applied ?? tags;
  const actual = withoutTrackingTables(live.actual, expected!, drizzle);
  let differences: DriftDifference[];
  try {
    // Identical expression texts need no parser; load it only when some differ.
    differences = compareModels(expected!, actual);
  } catch (err) {
    if (!(err instanceof ParserNotLoaded)) throw err;
    await prepareExpressions();
    differences = compareModels(expected!, actual);
  }
  const split = splitAccepted(differences, acceptedList);
  return {
    differences: split.open,
    accepted: split.accepted,
    stale: split.stale,
    acceptedFile: acceptedPath(dir),
    snapshot: (reference as SnapshotFile | null)?.path ?? null,
    pending: tags.filter((name) => !applied.includes(name)),
    unknown: applied.filter((name) => !tags.includes(name)),
  };
}

/**
 * The snapshot the live schema should match: the newest one, unless the first migration not yet
 * applied is the contract step of an online change that waits for the previous release. Until it
 * runs, the old and the new shape both exist by design, as the snapshot before it records.
 */
function referenceSnapshot(dir: string, journal: Journal, applied: readonly string[] | null): SnapshotFile | null {
  const newest = newestSnapshot(dir, journal);
  if (applied === null) return newest;
  const at = journal.entries.findIndex((e) => !applied.includes(e.tag));
  if (at <= 0) return newest;
  const header = headerDirectives(readFileSync(upPath(dir, journal.entries[at]!.tag), 'utf8'));
  if (!header.has(CONTRACT)) return newest;
  const before = entrySnapshot(dir, journal.entries[at - 1]!);
  return before ? { ...before, snapshot: requireCurrent(before.snapshot, before.path) } : newest;
}

interface Live {
  readonly actual: SchemaModel;
  /** The models, with expressions the server reads as the live ones replaced by the live text. */
  readonly expected: SchemaModel;
  /** Names recorded in dbship.migrations; null when this role may not read it. */
  readonly applied: string[] | null;
}

async function readLive(client: pg.Client, db: DbConnection, scope: string[], models: SchemaModel): Promise<Live> {
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT}'`);
    const applied = await readAppliedNames(client);
    const actual = await readCatalog(client, scope);
    const expected = await reconcileExpressions(client, models, actual);
    await client.query('COMMIT');
    return { actual, expected, applied };
  } catch (err) {
    throw catalogError(db, err);
  }
}

/** The tracking table's names; [] before the first upgrade; null when this role may not read it. */
async function readAppliedNames(client: pg.Client): Promise<string[] | null> {
  const { rows } = await client.query<{ readable: boolean | null }>(`
    SELECT CASE WHEN to_regclass($1) IS NULL THEN NULL
                ELSE has_table_privilege(to_regclass($1), 'SELECT') END AS readable`, [trackingOf(client).migrations]);
  const readable = rows[0]?.readable;
  if (readable === null || readable === undefined) return [];
  if (!readable) return null;
  return (await client.query<{ name: string }>(`SELECT name FROM ${trackingOf(client).migrations}`)).rows.map((r) => r.name);
}

function catalogError(db: DbConnection, err: unknown): DbshipError {
  if (err instanceof DbshipError) return err;
  const state = sqlState(err);
  if (state === undefined) {
    return new DbshipError('DB_UNREACHABLE', `lost the connection to ${describeDb(db)} while reading its catalog: ${connectionReason(err)}`, {
      cause: err,
      why: 'the server restarted, failed over, or the network dropped.',
      fix: 'run `dbship drift` again once the database is reachable.',
    });
  }
  const timedOut = state === SqlState.QueryCanceled;
  return new DbshipError('CATALOG_READ_FAILED', timedOut
    ? `reading the catalog of ${describeDb(db)} took longer than ${STATEMENT_TIMEOUT}`
    : `reading the catalog of ${describeDb(db)} failed: ${(err as Error).message} (SQLSTATE ${state})`, {
    cause: err,
    why: timedOut ? 'the server is overloaded, or a session holds an ACCESS EXCLUSIVE lock on one of the tables (a long ALTER TABLE, VACUUM FULL, LOCK TABLE) or on a catalog table: reading a table\'s defaults and constraints waits for it.' : 'the server refused a read-only catalog query.',
    fix: timedOut ? 'find the holder (SELECT pid, query FROM pg_stat_activity WHERE pid IN (SELECT pid FROM pg_locks WHERE granted AND mode = \'AccessExclusiveLock\')), and run `dbship drift` again once it is done or the database is less busy.' : 'check that the migration role may connect and read pg_catalog, then run `dbship drift` again.',
  });
}
