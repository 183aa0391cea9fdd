import { dataChange, isSchemaChange } from '../classify.js';
import { perFile } from '../per-file.js';
import type { LintRule } from '../types.js';

/** INSERT / UPDATE / DELETE / MERGE / COPY on an existing table in a migration that also changes the schema. */
export const rule: LintRule = {
  id: 'mixed-ddl-and-data',
  severity: 'error',
  summary: 'schema change and data change (INSERT/UPDATE/DELETE/MERGE/COPY) of an existing table in one migration',
  why:
    'The migration is one transaction, and locks are held until it commits: a backfill next to an ALTER TABLE runs ' +
    "while the ALTER's ACCESS EXCLUSIVE lock is held, so the table is unavailable for the whole data change (and " +
    'the row locks of a data change are held through the DDL after it). A failure also rolls back both, and the ' +
    'statement_timeout meant for a quick schema change now has to cover a long backfill.',
  fix:
    'Split it: one migration for the schema change, another (generate --custom) for the data change, ideally in ' +
    'batches. Seeding a table created in the same migration is fine and not reported.',
  check(stmt, ctx) {
    const data = dataChange(stmt.node);
    if (!data || ctx.isNewTable(data.table) || ctx.isRevertedTable(data.table)) return [];
    const ddl = perFile(ctx.statements, 'first-schema-change', () => ctx.statements.find((s) => isSchemaChange(s)));
    if (!ddl) return [];
    return [{ message: `${data.verb} on existing table ${data.table.display} in a migration that also changes the schema (line ${ddl.line})` }];
  },
};
