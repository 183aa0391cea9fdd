import type { TableRef } from './ast.js';
import type { NormalizedType } from './column-types.js';
import type { MigrationFacts } from './facts.js';
import type { LintContext, LintStatement } from './types.js';

/** Column types of the schema before the file runs (from the committed drizzle-kit snapshot). */
export type ColumnTypeLookup = (tableKey: string, column: string) => NormalizedType | undefined;

export interface FileFacts {
  readonly file: string;
  readonly kind: 'up' | 'down';
  readonly transactional: boolean;
  readonly statements: readonly LintStatement[];
  readonly facts: MigrationFacts;
  /** Down files: the facts of the up migration this file reverts. */
  readonly reverted: MigrationFacts | undefined;
  readonly columnTypes: ColumnTypeLookup | undefined;
}

/** The context a rule sees for statement `index` of a file. */
export function contextFor(file: FileFacts, index: number): LintContext {
  const { facts, reverted } = file;
  const before = (at: number | undefined): boolean => at !== undefined && at < index;
  return {
    file: file.file,
    kind: file.kind,
    transactional: file.transactional,
    statements: file.statements,
    index,
    contextAt: (other) => contextFor(file, other),
    isNewTable: (t) => before(facts.tables.get(t.key)),
    isEmptyTable: (t) => before(facts.tables.get(t.key)) && !before(facts.filled.get(t.key)),
    filledAt(t) {
      const at = facts.filled.get(t.key);
      return before(facts.tables.get(t.key)) && before(at) ? file.statements[at!]?.line : undefined;
    },
    isRevertedTable: (t) => reverted?.tables.has(t.key) ?? false,
    isRevertedColumn: (t, column) => (reverted?.tables.has(t.key) || reverted?.columns.has(`${t.key}.${column}`)) ?? false,
    indexTable(schema, name) {
      const key = `${schema}.${name}`;
      const own = facts.indexes.get(key);
      if (own && before(own.at)) return { table: own.table, isNew: true };
      const up = reverted?.indexes.get(key);
      return up ? { table: up.table, isNew: false } : undefined;
    },
    columnTypeBefore(t: TableRef, column: string) {
      const changes = facts.typeChanges.filter((c) => c.table === t.key && c.column === column && c.at < index);
      return changes.at(-1)?.type ?? file.columnTypes?.(t.key, column);
    },
    notNullProvenBefore(t, column) {
      const validatedCheck = facts.constraints.some((c) => c.table === t.key && c.notNullOf === column && !c.notValid && before(c.at));
      if (validatedCheck) return true;
      // A VALIDATE CONSTRAINT of a constraint this file did not define (a previous migration added it
      // NOT VALID) is taken as the documented pattern; one defined here must be `column IS NOT NULL`.
      return facts.validated.some((v) => {
        if (v.table !== t.key || !before(v.at)) return false;
        const defined = facts.constraints.filter((c) => c.table === t.key && c.name === v.name);
        return defined.length === 0 || defined.some((c) => c.notNullOf === column);
      });
    },
    addedNotValidBefore: (t, name) => facts.constraints.some((c) => c.table === t.key && c.name === name && c.notValid && before(c.at)),
  };
}
