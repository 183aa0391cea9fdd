import { ident } from '../ast.js';
import type { LintRule, RuleHit } from '../types.js';
import { alterTable, onTable } from './alter.js';

/** ALTER COLUMN ... SET NOT NULL on an existing table, unless a validated CHECK already proves it. */
export const rule: LintRule = {
  id: 'set-not-null',
  severity: 'error',
  summary: 'ALTER COLUMN ... SET NOT NULL on an existing table',
  why:
    'SET NOT NULL takes an ACCESS EXCLUSIVE lock and scans the whole table to prove there is no NULL: every read ' +
    'and write of the table waits for the scan. Pods of the previous release that still write NULL (or omit the ' +
    'column) start failing as soon as it commits.',
  fix:
    'Over separate migrations: ALTER TABLE t ADD CONSTRAINT t_c_not_null CHECK (c IS NOT NULL) NOT VALID; then ' +
    'ALTER TABLE t VALIDATE CONSTRAINT t_c_not_null (scans under SHARE UPDATE EXCLUSIVE, which lets reads and writes ' +
    'continue); then ALTER TABLE t ALTER COLUMN c SET NOT NULL, which PostgreSQL 12+ proves from the validated ' +
    'check without a scan; then ALTER TABLE t DROP CONSTRAINT t_c_not_null. The last two may share the migration ' +
    'that validates.',
  check(stmt, ctx) {
    const alter = alterTable(stmt);
    if (!alter || ctx.isEmptyTable(alter.table)) return [];
    const hits: RuleHit[] = [];
    for (const cmd of alter.cmds) {
      if (cmd.subtype !== 'AT_SetNotNull' || !cmd.name) continue;
      if (ctx.notNullProvenBefore(alter.table, cmd.name)) continue;
      hits.push({ message: `SET NOT NULL on column ${ident(cmd.name)} of ${onTable(alter.table, ctx)} scans the table under an ACCESS EXCLUSIVE lock` });
    }
    return hits;
  },
};
