import { createHash } from 'node:crypto';
import { isUndefinedRelation } from '../../db/sqlstate.js';
import type { MigrationTarget } from '../sql/statement-error.js';
import { runnableStatements, transactionUnits, type TransactionUnit } from '../sql/runnable.js';
import { lineColumn, type SqlStatement } from '../sql/split.js';
import { type Queryable } from './tracking.js';
import { trackingOf } from './tracking-names.js';

/**
 * Progress of a migration that does not run as one transaction (`-- dbship:no-transaction`, or a
 * file with its own COMMIT): which of its units (a statement on its own, or a BEGIN ... COMMIT
 * block) have committed. A run that stops part-way (a failed statement, kill -9, a lost
 * connection) leaves them in `dbship.unit_progress`; the next run skips the leading units the file
 * still has unchanged, so it resumes at the unit that did not complete instead of running
 * `CREATE INDEX CONCURRENTLY` again into "already exists".
 *
 * A unit in a transaction is recorded in that transaction, so the record and the work commit
 * together. A statement on its own commits by itself and is recorded right after: a run stopped
 * between the two runs that one statement again (the one gap; the messages say so). The row is
 * deleted in the transaction that records the migration as applied, baselined or reverted.
 *
 * Units are matched by a hash of their text, in order: editing the failed statement (the usual
 * fix) keeps the earlier ones skipped; editing one that already ran makes it and everything after
 * it run again.
 */

/** The hash of a unit's statements (its text, in order). */
export function unitHash(unit: TransactionUnit): string {
  const h = createHash('sha256');
  for (const s of unit.statements) h.update(s.text).update('\0');
  return h.digest('hex');
}

/** How many leading `hashes` a previous run recorded as committed (`done`, in order). */
function resumePoint(hashes: readonly string[], done: readonly string[]): number {
  let n = 0;
  while (n < hashes.length && n < done.length && hashes[n] === done[n]) n++;
  return n;
}

/** The committed units' hashes a previous run of `target` recorded (empty: none). */
async function readUnitProgress(client: Queryable, target: MigrationTarget): Promise<string[]> {
  const t = trackingOf(client);
  const r = await client.query<{ units_done: string[] }>(`SELECT units_done FROM ${t.unitProgress} WHERE name = $1 AND direction = $2`, [target.name, target.direction]);
  return r.rows[0]?.units_done ?? [];
}

/** Records that the units with `hashes` (the leading ones, in order) have committed. */
export async function recordUnitProgress(client: Queryable, target: MigrationTarget, hashes: readonly string[]): Promise<void> {
  const t = trackingOf(client);
  await client.query(
    `INSERT INTO ${t.unitProgress} (name, direction, units_done) VALUES ($1, $2, $3)
     ON CONFLICT (name, direction) DO UPDATE SET units_done = EXCLUDED.units_done, updated_at = now()`,
    [target.name, target.direction, hashes],
  );
}

/**
 * The statements of `target`, and the units it runs as when it does not run as one transaction
 * (null when it does: a transactional file, or one only `wrapped` in BEGIN ... COMMIT). A
 * no-transaction file runs each statement as its own unit; a file with its own COMMIT as the
 * blocks that COMMIT and BEGIN delimit.
 */
export async function unitsOf(target: MigrationTarget): Promise<{ statements: SqlStatement[]; units: readonly TransactionUnit[] | null; wrapped: boolean }> {
  const statements = await runnableStatements(target);
  const plan = transactionUnits(statements, target.transactional);
  if (plan === null) {
    return { statements, units: target.transactional ? null : statements.map((stmt) => ({ inTransaction: false, begin: 'BEGIN', statements: [stmt] })), wrapped: false };
  }
  const [only] = plan.units;
  if (target.transactional && plan.units.length === 1 && only!.inTransaction && only!.begin === 'BEGIN') return { statements: [...only!.statements], units: null, wrapped: true };
  return { statements, units: plan.units, wrapped: false };
}

/** Where a run of `units` resumes: the statements an earlier run committed, of how many, and the line it goes on from. */
export interface Resume {
  readonly skipped: number;
  readonly total: number;
  readonly line: number;
}

/** Where `units` of `target` resume after the units recorded in `done` (null: at the first). */
function resumeOf(target: MigrationTarget, units: readonly TransactionUnit[], done: readonly string[]): { at: number; resume: Resume | null } {
  const at = resumePoint(units.map(unitHash), done);
  if (at === 0) return { at, resume: null };
  const total = units.reduce((n, u) => n + u.statements.length, 0);
  const skipped = units.slice(0, at).reduce((n, u) => n + u.statements.length, 0);
  return { at, resume: { skipped, total, line: lineColumn(target.sql, units[at]?.statements[0]?.offset ?? target.sql.length).line } };
}

/**
 * Where a run of `units` starts: after the leading units an earlier, stopped run recorded (told to
 * `onResume`), with the session settings those units made made again (they hold for the rest of
 * the file, as in a run from the start). Returns the index of the first unit to run.
 */
export async function resumeUnits(client: Queryable, target: MigrationTarget, units: readonly TransactionUnit[], onResume?: (r: Resume) => void): Promise<number> {
  const { at, resume } = resumeOf(target, units, await readUnitProgress(client, target));
  if (resume) onResume?.(resume);
  for (const stmt of sessionSettings(units.slice(0, at))) await client.query(stmt.text);
  return at;
}

/**
 * The session settings among `units`, in order: SET and RESET, not SET LOCAL (it ended with its
 * block) nor SET TRANSACTION. A setting outlives the statement that made it and the statements
 * after it were written to run under it (a file's `SET lock_timeout = 0` before its CREATE INDEX
 * CONCURRENTLY), so a resumed run makes again those of the units it skips.
 */
function sessionSettings(units: readonly TransactionUnit[]): SqlStatement[] {
  return units.flatMap((u) => u.statements.filter(isSessionSetting));
}

function isSessionSetting(stmt: SqlStatement): boolean {
  const set = stmt.node?.VariableSetStmt as { name?: string; is_local?: boolean } | undefined;
  return set !== undefined && set.is_local !== true && set.name !== 'TRANSACTION';
}

/** The migrations with units recorded by a stopped run, upward (none before the first deploy). */
export async function stoppedRuns(client: Queryable): Promise<Set<string>> {
  const t = trackingOf(client);
  try {
    const r = await client.query<{ name: string }>(`SELECT name FROM ${t.unitProgress} WHERE direction = 'up'`);
    return new Set(r.rows.map((x) => x.name));
  } catch (err) {
    if (isUndefinedRelation(err)) return new Set();
    throw err;
  }
}

/** How far a stopped run of the pending `target` got (status): null when none did, or it does not parse. */
export async function partialRun(client: Queryable, target: MigrationTarget): Promise<Resume | null> {
  const done = await readUnitProgress(client, target);
  if (done.length === 0) return null;
  const units = await unitsOf(target).then((u) => u.units).catch(() => null);
  return units === null ? null : resumeOf(target, units, done).resume;
}
