import type { Snapshot, SnapshotColumn } from '../folder/snapshot.js';

/** One difference between two snapshots, named the way a developer names it. */
export interface SnapshotChange {
  /** `table "public.users"`, `column "public.users"."bio"`, `index "users_name_idx" on "public.users"`, ... */
  readonly object: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** For columns: the type and nullability, e.g. `text, nullable`. */
  readonly detail?: string;
}

/** JSON with sorted keys: two snapshots read from different sources compare equal by content. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

type Section = Record<string, unknown> | undefined;

function compare(label: (key: string) => string, before: Section, after: Section, out: SnapshotChange[], detail?: (v: unknown) => string): void {
  const a = before ?? {};
  const b = after ?? {};
  for (const key of Object.keys(a)) {
    if (!(key in b)) out.push({ object: label(key), change: 'removed' });
  }
  for (const [key, value] of Object.entries(b)) {
    if (!(key in a)) out.push({ object: label(key), change: 'added', ...(detail ? { detail: detail(value) } : {}) });
    else if (canonicalJson(a[key]) !== canonicalJson(value)) out.push({ object: label(key), change: 'changed', ...(detail ? { detail: detail(value) } : {}) });
  }
}

function columnDetail(value: unknown): string {
  const c = value as SnapshotColumn;
  const parts = [c.type, c.notNull ? 'not null' : 'nullable'];
  if (c.default !== undefined) parts.push(`default ${String(c.default)}`);
  return parts.join(', ');
}

const TABLE_SECTIONS = [
  ['indexes', 'index'],
  ['foreignKeys', 'foreign key'],
  ['compositePrimaryKeys', 'primary key'],
  ['uniqueConstraints', 'unique constraint'],
  ['checkConstraints', 'check constraint'],
  ['policies', 'policy'],
] as const;

const SCHEMA_SECTIONS = [
  ['schemas', 'schema'],
  ['enums', 'enum'],
  ['sequences', 'sequence'],
  ['roles', 'role'],
  ['policies', 'policy'],
  ['views', 'view'],
] as const;

/**
 * The differences between two snapshots by object: tables, their columns, indexes and
 * constraints, and the schema-level objects (schemas, enums, sequences, roles, policies, views).
 */
export function describeSnapshotDiff(prev: Snapshot, cur: Snapshot): SnapshotChange[] {
  const out: SnapshotChange[] = [];
  // Tables in both are compared member by member below, so here only presence counts.
  compare((k) => `table "${k}"`, keysOf(prev.tables), keysOf(cur.tables), out);
  for (const [key, table] of Object.entries(cur.tables)) {
    const before = prev.tables[key];
    if (!before) continue;
    compare((c) => `column "${key}"."${c}"`, before.columns, table.columns, out, columnDetail);
    for (const [section, noun] of TABLE_SECTIONS) {
      compare((n) => `${noun} "${n}" on "${key}"`, before[section] as Section, table[section] as Section, out);
    }
    if (Boolean(before.isRLSEnabled) !== Boolean(table.isRLSEnabled)) out.push({ object: `row level security on "${key}"`, change: 'changed' });
  }
  for (const [kind, noun] of SCHEMA_SECTIONS) compare((k) => `${noun} "${k}"`, prev[kind] as Section, cur[kind] as Section, out);
  return out;
}

function keysOf(section: Record<string, unknown>): Section {
  return Object.fromEntries(Object.keys(section).map((k) => [k, true]));
}

/** `column "public.users"."bio" added (text, nullable)`. */
export function formatChange(c: SnapshotChange): string {
  return `${c.object} ${c.change}${c.detail ? ` (${c.detail})` : ''}`;
}
