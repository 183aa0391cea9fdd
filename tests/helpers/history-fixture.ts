import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './migrations.js';

/** One migration of a hand-made history: its SQL and its snapshot (null: the snapshot is missing). */
export interface FixtureEntry {
  readonly name: string;
  readonly sql: string;
  readonly snapshot: Record<string, unknown> | null;
  /** The journal entry's format version (default: the snapshot's, else "7"). */
  readonly version?: string;
  readonly down?: string;
}

/**
 * A migrations folder as drizzle-kit releases of different ages left it: the journal's own
 * version and dialect (format 5 journals say `pg`), per-entry versions, snapshots or not.
 */
export function writeHistory(entries: readonly FixtureEntry[], journal: { version: string; dialect: string } = { version: '7', dialect: 'postgresql' }): string {
  const dir = tempDir('dbship-history-');
  mkdirSync(path.join(dir, 'meta'));
  const listed = entries.map((e, idx) => {
    const tag = `${String(idx).padStart(4, '0')}_${e.name}`;
    writeFileSync(path.join(dir, `${tag}.sql`), e.sql);
    if (e.down !== undefined) writeFileSync(path.join(dir, `${tag}.down.sql`), e.down);
    if (e.snapshot) writeFileSync(path.join(dir, 'meta', `${String(idx).padStart(4, '0')}_snapshot.json`), JSON.stringify(e.snapshot, null, 2));
    const version = e.version ?? String(e.snapshot?.version ?? '7');
    return { idx, version, when: 1_690_000_000_000 + idx, tag, breakpoints: true };
  });
  writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: listed }, null, 2));
  return dir;
}

const column = (name: string, type: string, extra: Record<string, unknown> = {}) => ({ name, type, primaryKey: false, notNull: false, ...extra });

/** A format 5 snapshot (drizzle-kit before 0.21): dialect `pg`, tables keyed by bare name. */
export function snapshotV5(id: string, prevId: string, tables: Record<string, Record<string, string>>): Record<string, unknown> {
  return {
    id, prevId, version: '5', dialect: 'pg',
    tables: Object.fromEntries(Object.entries(tables).map(([name, cols]) => [name, {
      name, schema: '', columns: Object.fromEntries(Object.entries(cols).map(([c, t]) => [c, column(c, t)])),
      indexes: {}, foreignKeys: {}, compositePrimaryKeys: {}, uniqueConstraints: {},
    }])),
    enums: {}, schemas: {}, _meta: { schemas: {}, tables: {}, columns: {} },
  };
}

/** A format 6 snapshot: dialect `postgresql`, tables keyed `schema.name`, index columns as names. */
export function snapshotV6(id: string, prevId: string, tables: Record<string, Record<string, string>>, indexes: Record<string, { table: string; column: string }> = {}): Record<string, unknown> {
  return {
    id, prevId, version: '6', dialect: 'postgresql',
    tables: Object.fromEntries(Object.entries(tables).map(([name, cols]) => [`public.${name}`, {
      name, schema: '', columns: Object.fromEntries(Object.entries(cols).map(([c, t]) => [c, column(c, t)])),
      indexes: Object.fromEntries(Object.entries(indexes).filter(([, i]) => i.table === name).map(([n, i]) => [n, { name: n, columns: [i.column], isUnique: false }])),
      foreignKeys: {}, compositePrimaryKeys: {}, uniqueConstraints: {},
    }])),
    enums: {}, schemas: {}, _meta: { schemas: {}, tables: {}, columns: {} },
  };
}
