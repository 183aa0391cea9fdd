import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SCHEMA } from './ast.js';
import { parseTypeText, type NormalizedType } from './column-types.js';
import type { ColumnTypeLookup } from './context.js';

interface SnapshotTable {
  name?: string;
  schema?: string;
  columns?: Record<string, { name?: string; type?: string }>;
}

const FILE_NAME = /^(\d+)_.+?(\.down)?\.sql$/;

/**
 * Column types of the schema a migration file starts from, read from drizzle-kit's committed
 * snapshots: an up file `NNNN_x.sql` starts from `meta/(NNNN-1)_snapshot.json`, a down file
 * `NNNN_x.down.sql` from `meta/NNNN_snapshot.json`. Undefined when there is no such snapshot
 * (a hand-written file outside a migrations folder, the first migration): the types are then unknown.
 */
export function snapshotColumnTypes(file: string): ColumnTypeLookup | undefined {
  const m = FILE_NAME.exec(path.basename(file));
  if (!m) return undefined;
  const number = Number(m[1]) - (m[2] ? 0 : 1);
  if (number < 0) return undefined;
  const snapshot = path.join(path.dirname(file), 'meta', `${String(number).padStart(m[1]!.length, '0')}_snapshot.json`);
  if (!existsSync(snapshot)) return undefined;
  let tables: Record<string, SnapshotTable>;
  try {
    tables = (JSON.parse(readFileSync(snapshot, 'utf8')) as { tables?: Record<string, SnapshotTable> }).tables ?? {};
  } catch {
    // A broken snapshot is `dbship check`'s finding; here it only means the old types are unknown.
    return undefined;
  }
  const types = new Map<string, string>();
  for (const table of Object.values(tables)) {
    const key = `${table.schema || DEFAULT_SCHEMA}.${table.name ?? ''}`;
    for (const [name, col] of Object.entries(table.columns ?? {})) if (col.type) types.set(`${key}.${col.name ?? name}`, col.type);
  }
  const parsed = new Map<string, NormalizedType | undefined>();
  return (tableKey, column) => {
    const id = `${tableKey}.${column}`;
    if (!parsed.has(id)) {
      const text = types.get(id);
      parsed.set(id, text === undefined ? undefined : parseTypeText(text));
    }
    return parsed.get(id);
  };
}
