/**
 * A drizzle-kit PostgreSQL snapshot (`meta/NNNN_snapshot.json`) in format version 7: the whole
 * schema as the models described it when the migration was generated. The fields dbship reads
 * are typed; the rest is kept as drizzle-kit wrote it. Older formats (5, 6) are read by the same
 * reader and carry their version; only {@link requireCurrent} promises this shape.
 */
export interface Snapshot {
  id: string;
  prevId: string;
  version: string;
  dialect: string;
  tables: Record<string, SnapshotTable>;
  enums: Record<string, SnapshotEnum>;
  schemas: Record<string, string>;
  sequences: Record<string, SnapshotSequence>;
  roles: Record<string, unknown>;
  policies: Record<string, unknown>;
  views: Record<string, unknown>;
  [key: string]: unknown;
}

export interface SnapshotTable {
  name: string;
  /** `''` means `public`. */
  schema: string;
  columns: Record<string, SnapshotColumn>;
  indexes: Record<string, SnapshotIndex>;
  foreignKeys: Record<string, SnapshotForeignKey>;
  compositePrimaryKeys?: Record<string, { name: string; columns: string[] }>;
  uniqueConstraints?: Record<string, { name: string; columns: string[]; nullsNotDistinct?: boolean }>;
  checkConstraints?: Record<string, { name: string; value: string }>;
  policies?: Record<string, unknown>;
  isRLSEnabled?: boolean;
  [key: string]: unknown;
}

export interface SnapshotColumn {
  name: string;
  type: string;
  /** Set for enum columns: the enum's schema. */
  typeSchema?: string;
  primaryKey: boolean;
  notNull: boolean;
  default?: string | number | boolean;
  identity?: { type: 'always' | 'byDefault' } & SnapshotSequenceOptions;
  generated?: { as: string; type: string };
  isUnique?: boolean;
  uniqueName?: string;
  nullsNotDistinct?: boolean;
  [key: string]: unknown;
}

export interface SnapshotIndex {
  name: string;
  columns: { expression: string; isExpression: boolean; asc: boolean; nulls?: string; opclass?: string }[];
  isUnique: boolean;
  method?: string;
  where?: string;
  with?: Record<string, unknown>;
  concurrently?: boolean;
  [key: string]: unknown;
}

export interface SnapshotForeignKey {
  name: string;
  tableFrom: string;
  tableTo: string;
  schemaTo?: string;
  columnsFrom: string[];
  columnsTo: string[];
  onDelete?: string;
  onUpdate?: string;
  [key: string]: unknown;
}

export interface SnapshotEnum {
  name: string;
  schema: string;
  values: string[];
}

export interface SnapshotSequenceOptions {
  increment?: string;
  startWith?: string;
  minValue?: string;
  maxValue?: string;
  cache?: string;
  cycle?: boolean;
}

export interface SnapshotSequence extends SnapshotSequenceOptions {
  name: string;
  schema: string;
}
