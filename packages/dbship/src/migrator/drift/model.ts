/**
 * The neutral schema model drift detection compares: one shape for what the models expect
 * (read from a drizzle-kit snapshot) and for what the live database has (read from pg_catalog).
 * Types are stored in canonical form (see `drift-type.ts`); expressions (defaults, checks, index
 * expressions and predicates) are stored as written and compared by `drift-expr.ts`.
 */

/** How a column gets its values without the application supplying them. */
export type ColumnGeneration = 'always' | 'byDefault' | 'serial' | null;

export interface ColumnModel {
  readonly name: string;
  /** Canonical type, e.g. `character varying(100)`, `integer[]`, `enum public.mood`. */
  readonly type: string;
  readonly notNull: boolean;
  /** The default expression as written, or null. Serial and identity columns have none here. */
  readonly default: string | null;
  /** Identity (`always` / `byDefault`), `serial` (an owned sequence's nextval default) or none. */
  readonly generation: ColumnGeneration;
  /** `GENERATED ALWAYS AS (expr) STORED`: the expression, else null. */
  readonly generatedAs: string | null;
}

export interface PrimaryKeyModel {
  /** Null when the models do not name it (a column-level primary key gets the server's name). */
  readonly name: string | null;
  readonly columns: readonly string[];
}

export interface UniqueModel {
  readonly name: string;
  readonly columns: readonly string[];
  readonly nullsNotDistinct: boolean;
}

export interface IndexColumnModel {
  /** The column name, or the expression text when `isExpression`. */
  readonly expression: string;
  readonly isExpression: boolean;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
  /** A non-default operator class, else null. */
  readonly opclass: string | null;
  /** Live side only: the default operator class in use, so that models naming it explicitly match. */
  readonly defaultOpclass?: string | null;
}

export interface IndexModel {
  readonly name: string;
  readonly unique: boolean;
  readonly method: string;
  readonly columns: readonly IndexColumnModel[];
  readonly where: string | null;
  /** Storage parameters (`WITH (fillfactor = 70)`), values as text. */
  readonly with: Readonly<Record<string, string>>;
  /** False for an index left INVALID by a failed `CREATE INDEX CONCURRENTLY`. */
  readonly valid: boolean;
  /** `INCLUDE (...)` columns (stored in the index, not part of its key); absent means none. */
  readonly include?: readonly string[] | undefined;
}

export type ReferentialAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

export interface ForeignKeyModel {
  readonly name: string;
  readonly columns: readonly string[];
  /** `schema.table` of the referenced table. */
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onDelete: ReferentialAction;
  readonly onUpdate: ReferentialAction;
  /** Live side only: false for a constraint added NOT VALID and never validated. */
  readonly validated?: boolean;
}

export interface CheckModel {
  readonly name: string;
  readonly expression: string;
  /** Live side only: false for a constraint added NOT VALID and never validated. */
  readonly validated?: boolean;
}

export interface TableModel {
  readonly schema: string;
  readonly name: string;
  readonly columns: ReadonlyMap<string, ColumnModel>;
  readonly primaryKey: PrimaryKeyModel | null;
  readonly uniques: ReadonlyMap<string, UniqueModel>;
  readonly indexes: ReadonlyMap<string, IndexModel>;
  readonly foreignKeys: ReadonlyMap<string, ForeignKeyModel>;
  readonly checks: ReadonlyMap<string, CheckModel>;
}

export interface SequenceModel {
  readonly schema: string;
  readonly name: string;
  /** Options as decimal text; undefined when the snapshot does not state one. */
  readonly increment?: string | undefined;
  readonly startWith?: string | undefined;
  readonly minValue?: string | undefined;
  readonly maxValue?: string | undefined;
  readonly cache?: string | undefined;
  readonly cycle?: boolean | undefined;
}

export interface EnumModel {
  readonly schema: string;
  readonly name: string;
  readonly values: readonly string[];
}

/** A whole schema, keyed by `schema.name` for tables, enums and sequences. */
export interface SchemaModel {
  readonly schemas: ReadonlySet<string>;
  readonly tables: ReadonlyMap<string, TableModel>;
  readonly enums: ReadonlyMap<string, EnumModel>;
  readonly sequences: ReadonlyMap<string, SequenceModel>;
}

/** Schemas drift never looks at: the engine's own bookkeeping and drizzle's migrator table. */
export const IGNORED_SCHEMAS: ReadonlySet<string> = new Set(['dbship', 'drizzle']);

/** `schema.name`, the key of tables, enums and sequences in a {@link SchemaModel}. */
export function qualify(schema: string, name: string): string {
  return `${schema}.${name}`;
}

/** The model of an empty database (no snapshot yet). */
export function emptySchemaModel(): SchemaModel {
  return { schemas: new Set(), tables: new Map(), enums: new Map(), sequences: new Map() };
}

/**
 * The schemas whose objects drift compares: `public` plus every schema the models use, less the
 * bookkeeping ones. Objects in any other schema are neither
 * expected nor reported as extra.
 */
export function driftScope(expected: SchemaModel, ignored: Iterable<string> = IGNORED_SCHEMAS): string[] {
  const scope = new Set(['public', ...expected.schemas]);
  for (const t of expected.tables.values()) scope.add(t.schema);
  for (const e of expected.enums.values()) scope.add(e.schema);
  for (const s of expected.sequences.values()) scope.add(s.schema);
  const skip = new Set(ignored);
  return [...scope].filter((s) => !skip.has(s)).sort();
}

/** What kind of difference drift found; one value per kind of object and way of differing. */
export type DriftKind =
  | 'missing-schema'
  | 'missing-table' | 'extra-table'
  | 'missing-column' | 'extra-column'
  | 'column-type' | 'column-nullability' | 'column-default' | 'column-identity' | 'column-generated'
  | 'primary-key'
  | 'missing-unique' | 'extra-unique' | 'unique'
  | 'missing-index' | 'extra-index' | 'index' | 'invalid-index'
  | 'missing-foreign-key' | 'extra-foreign-key' | 'foreign-key'
  | 'missing-check' | 'extra-check' | 'check'
  | 'unvalidated-constraint'
  | 'missing-enum' | 'extra-enum' | 'enum-values' | 'enum-order'
  | 'missing-sequence' | 'extra-sequence' | 'sequence';

/**
 * Kinds that are reported but never fail `drift` or `deploy`: the schema works as the models
 * expect. `enum-order`: the same values in another order (only `<`, `>` and ORDER BY on the
 * enum see the order; an application that stores and compares values is unaffected).
 * `unvalidated-constraint`: a constraint added NOT VALID and not validated yet, the first half
 * of the two-release form lint's constraint-without-not-valid asks for; it already checks every
 * new row, and failing deploy between the two releases would forbid the safe pattern.
 */
export const WARNING_KINDS: ReadonlySet<DriftKind> = new Set<DriftKind>(['enum-order', 'unvalidated-constraint']);

/** `error` fails drift and deploy (unless accepted); `warning` is reported only. */
export type DriftSeverity = 'error' | 'warning';

/** One difference between the models (expected) and the live database (actual). */
export interface DriftDifference {
  readonly kind: DriftKind;
  readonly severity: DriftSeverity;
  /** The object, qualified: `public.users`, `public.users.email`, `public.users.users_email_unique`. */
  readonly object: string;
  /** What the models say, in words or SQL; null when the models do not have the object. */
  readonly expected: string | null;
  /** What the database has; null when the database does not have the object. */
  readonly actual: string | null;
  /** One line for a person: what differs, naming the object and both sides. */
  readonly message: string;
}
