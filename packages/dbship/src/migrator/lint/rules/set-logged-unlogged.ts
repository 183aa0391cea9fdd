import type { LintRule, RuleHit } from '../types.js';
import { alterTable, onTable } from './alter.js';

/** ALTER TABLE ... SET LOGGED / SET UNLOGGED on a table that holds rows. */
export const rule: LintRule = {
  id: 'set-logged-unlogged',
  severity: 'error',
  summary: 'ALTER TABLE ... SET LOGGED or SET UNLOGGED on an existing table',
  why:
    'Changing persistence rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock (no reads or ' +
    'writes until done); SET LOGGED also writes every row to the WAL, which the replicas must replay. An UNLOGGED ' +
    'table is emptied after a crash and is not replicated.',
  fix:
    'There is no online form. For a large table, create a new table with the wanted persistence, copy the rows in ' +
    'batches and switch over (expand/contract), or plan a maintenance window; a table created in the same migration ' +
    'can be created LOGGED or UNLOGGED directly.',
  check(stmt, ctx) {
    const alter = alterTable(stmt);
    if (!alter || ctx.isEmptyTable(alter.table)) return [];
    const hits: RuleHit[] = [];
    for (const cmd of alter.cmds) {
      if (cmd.subtype !== 'AT_SetLogged' && cmd.subtype !== 'AT_SetUnLogged') continue;
      const what = cmd.subtype === 'AT_SetLogged' ? 'SET LOGGED' : 'SET UNLOGGED';
      hits.push({ message: `${what} rewrites ${onTable(alter.table, ctx)} under an ACCESS EXCLUSIVE lock` });
    }
    return hits;
  },
};
