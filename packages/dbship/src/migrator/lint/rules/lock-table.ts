import { as, tableRef, type TableRef } from '../ast.js';
import type { LintRule } from '../types.js';

/** Lock modes by the number PostgreSQL's parse tree gives them (storage/lockdefs.h). */
const MODES = ['', 'ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE'];
/** SHARE and stronger block writes; ACCESS EXCLUSIVE also blocks reads. */
const BLOCKS_WRITES = 5;

/** An explicit LOCK TABLE in a mode that blocks writes (the default mode is ACCESS EXCLUSIVE). */
export const rule: LintRule = {
  id: 'lock-table',
  severity: 'error',
  summary: 'LOCK TABLE in a mode that blocks writes (SHARE or stronger; the default is ACCESS EXCLUSIVE)',
  why:
    'An explicit lock is held until the migration commits, so every write (and, for ACCESS EXCLUSIVE, every read) ' +
    'of the table waits for the rest of the migration, not only for the statement that needed it.',
  fix:
    'Let each statement take the lock it needs; dbship runs every statement under lock_timeout and retries, so a ' +
    'migration does not need to pre-lock. If a lock order is needed to avoid deadlocks, keep the migration short ' +
    'and suppress with the reason.',
  check(stmt, ctx) {
    const lock = as(stmt.node, 'LockStmt');
    const mode = lock?.mode ?? 8;
    if (!lock || mode < BLOCKS_WRITES) return [];
    const tables = (lock.relations ?? []).map((r) => tableRef(as(r, 'RangeVar'))).filter((t): t is TableRef => t !== undefined);
    const existing = tables.filter((t) => !ctx.isNewTable(t));
    if (existing.length === 0) return [];
    return [{ message: `LOCK TABLE ${existing.map((t) => t.display).join(', ')} IN ${MODES[mode] ?? 'ACCESS EXCLUSIVE'} MODE blocks ${mode === 8 ? 'reads and writes' : 'writes'} until the migration commits` }];
  },
};
