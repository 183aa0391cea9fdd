import type pg from 'pg';
import { DbshipError } from '../../errors.js';
import { quoteIdent } from '../../db/pool.js';
import { sqlState, SqlState } from '../../db/sqlstate.js';
import type { BackfillPhase } from '../folder/online.js';
import type { BackfillProgress } from './backfill.js';

/** How many keys of the offending rows the message names. */
const SHOWN_KEYS = 5;

/**
 * A batch that failed because a row breaks a check constraint (23514): for an online type change,
 * the NOT VALID check of the expand, which refuses a value the new type cannot hold. Counts the
 * rows of the table that break it (one scan, on this failure only) and names the first keys, so
 * that the backfill reports them all before the contract rather than one at a time. Returns null
 * for any other failure, or when the constraint is not found.
 */
export async function unfitRows(client: pg.ClientBase, name: string, phase: BackfillPhase, progress: BackfillProgress, err: unknown): Promise<DbshipError | null> {
  const cause = err instanceof DbshipError ? err.cause : err;
  const constraint = (cause as { constraint?: unknown } | undefined)?.constraint;
  if (sqlState(cause) !== SqlState.CheckViolation || typeof constraint !== 'string') return null;
  const table = `${quoteIdent(phase.schema)}.${quoteIdent(phase.table)}`;
  const { rows } = await client.query<{ expr: string }>(
    `SELECT pg_get_expr(conbin, conrelid) AS expr FROM pg_constraint WHERE conrelid = $1::regclass AND conname = $2 AND contype = 'c'`, [table, constraint]);
  const expr = rows[0]?.expr;
  if (!expr) return null;
  const key = quoteIdent(phase.key);
  const found = await client.query<{ n: string; keys: string[] }>(
    `SELECT (SELECT count(*) FROM ${table} WHERE (${expr}) IS FALSE) AS n,
            ARRAY(SELECT ${key}::text FROM ${table} WHERE (${expr}) IS FALSE ORDER BY ${key} LIMIT ${SHOWN_KEYS}) AS keys`);
  const n = Number(found.rows[0]!.n);
  const keys = found.rows[0]!.keys;
  const shown = `${phase.schema}.${phase.table}`;
  const more = n > keys.length ? `, ... (${n - keys.length} more)` : '';
  const kept = progress.batches > 0 ? `the ${progress.batches} batch(es) before it are committed and it resumes after key ${progress.lastKey}` : 'no batch was committed';
  return new DbshipError('MIGRATION_FAILED', `backfill ${name} stopped: ${n} row(s) of ${shown} do not satisfy the check "${constraint}": ${expr}; ${phase.key} = ${keys.join(', ')}${more}`, {
    details: (err instanceof DbshipError ? err.details : []).slice(0, 3),
    why: `the backfill carries every row's value over to the new column, and these values cannot be carried over (for a narrowing type change: they do not fit the new type; release N's writes of such values have been refused by the same check since the expand). The backfill stopped at the first batch holding one: ${kept}. The contract would refuse them too.`,
    fix: `change those rows (SELECT * FROM ${table} WHERE (${expr}) IS FALSE) to values that fit, then deploy again; or revert the expand (dbship downgrade --steps 1), generate the change again with --using <an expression that converts them>, and deploy that.`,
    cause,
  });
}
