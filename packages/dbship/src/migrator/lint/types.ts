import type { Node } from 'libpg-query';
import type { NormalizedType } from './column-types.js';
import type { TableRef } from './ast.js';

/** How bad a finding is: `error` fails `dbship lint` (exit 6), `warning` is printed only. */
export type Severity = 'error' | 'warning';

/** One problem found in a migration file (the shared lint contract). */
export interface LintFinding {
  /** Stable kebab-case rule id (see docs/lint-rules.md). */
  rule: string;
  severity: Severity;
  file: string;
  /** 1-based line of the offending code. */
  line: number;
  /** 1-based column, counted in characters (Unicode code points), not bytes. */
  column: number;
  /** The statement's text, whitespace collapsed, cut at 200 characters. */
  statement: string;
  /** What is wrong, naming the objects involved. */
  message: string;
  /** Why it is dangerous: the lock it takes, the rewrite it causes, the pods it breaks. */
  why: string;
  /** The safe alternative. */
  fix: string;
}

/** One parsed statement of a migration file. */
export interface LintStatement {
  /** Position in the file, 0-based. */
  readonly index: number;
  /** The parse tree node, e.g. `{ AlterTableStmt: {...} }`. */
  readonly node: Node;
  /** The node's type name, e.g. `AlterTableStmt`. */
  readonly tag: string;
  /** String offsets (UTF-16) of the statement's code, leading comments excluded. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** 1-based lines of the first and last character of the code. */
  readonly line: number;
  readonly endLine: number;
  /** For a statement inside a `DO` block: the index of that block's statement. */
  readonly enclosing?: number | undefined;
}

/** What a rule reports; the linter adds file, position and statement. */
export interface RuleHit {
  readonly message: string;
  /** Byte offset of the most specific node in the file (the parser's `location`); default: the statement start. */
  readonly location?: number | undefined;
  /** String offset in the file, for a position the parser does not give (wins over `location`). */
  readonly offset?: number | undefined;
  /** Overrides the rule's general `why` / `fix` when the case needs its own words. */
  readonly why?: string;
  readonly fix?: string;
}

/** What a rule may know about the migration around the statement it checks. */
export interface LintContext {
  readonly file: string;
  /** `down` for `*.down.sql` (applied by `dbship downgrade`), `up` otherwise. */
  readonly kind: 'up' | 'down';
  /** False when the file's header says `-- dbship:no-transaction`. */
  readonly transactional: boolean;
  readonly statements: readonly LintStatement[];
  /** Index of the statement being checked. */
  readonly index: number;
  /** The context of another statement of the same file (for rules about the file as a whole). */
  contextAt(index: number): LintContext;
  /** Created (CREATE TABLE / AS / renamed from a new table) earlier in this file. */
  isNewTable(table: TableRef): boolean;
  /**
   * Created earlier in this file and not yet filled (no CREATE TABLE AS, SELECT INTO, INSERT,
   * COPY or MERGE put rows into it before this statement): building an index or checking a
   * constraint on it costs nothing.
   */
  isEmptyTable(table: TableRef): boolean;
  /** The 1-based line of the statement that filled a table created in this file, before this statement. */
  filledAt(table: TableRef): number | undefined;
  /** Down files: created by the up migration this file reverts (so no earlier release uses it). */
  isRevertedTable(table: TableRef): boolean;
  /** Down files: column added (or its table created) by the up migration this file reverts. */
  isRevertedColumn(table: TableRef, column: string): boolean;
  /** Table of an index created earlier in this file (or, in a down file, by the up migration). */
  indexTable(schema: string, name: string): { table: TableRef; isNew: boolean } | undefined;
  /** The column's type before this statement, when known (earlier statement or committed snapshot). */
  columnTypeBefore(table: TableRef, column: string): NormalizedType | undefined;
  /** An earlier statement proved `column IS NOT NULL` with a validated CHECK constraint. */
  notNullProvenBefore(table: TableRef, column: string): boolean;
  /** Constraint added with NOT VALID earlier in this file, by table and name. */
  addedNotValidBefore(table: TableRef, name: string): boolean;
}

/**
 * A lint rule: one kind of dangerous operation. `why` and `fix` are the general explanation shown
 * with every finding (a hit may give a more specific one).
 */
export interface LintRule {
  readonly id: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly why: string;
  readonly fix: string;
  check(stmt: LintStatement, context: LintContext): RuleHit[];
}
