import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseMigrationFileName, snapshotPath } from '../folder/layout.js';
import { readSnapshot, type Snapshot } from '../folder/snapshot.js';
import { DEFAULT_SCHEMA } from './ast.js';
import { parseTypeText, type NormalizedType } from './column-types.js';
import type { ColumnTypeLookup } from './context.js';

/**
 * Column types of the schema a migration file starts from, read from drizzle-kit's committed
 * snapshots: an up file `NNNN_x.sql` starts from `meta/(NNNN-1)_snapshot.json`, a down file
 * `NNNN_x.down.sql` from `meta/NNNN_snapshot.json`. Undefined when there is no such snapshot
 * (a hand-written file outside a migrations folder, the first migration): the types are then unknown.
 */
export function snapshotColumnTypes(file: string): ColumnTypeLookup | undefined {
  const name = parseMigrationFileName(file);
  if (name?.index === null || name === undefined) return undefined;
  const index = name.index - (name.kind === 'down' ? 0 : 1);
  if (index < 0) return undefined;
  const snapshot = snapshotPath(path.dirname(file), index);
  if (!existsSync(snapshot)) return undefined;
  let tables: Snapshot['tables'];
  try {
    tables = readSnapshot(snapshot).tables;
  } catch {
    // A broken snapshot is `dbship check`'s finding; here it only means the old types are unknown.
    return undefined;
  }
  const types = new Map<string, string>();
  for (const table of Object.values(tables)) {
    const key = `${table.schema || DEFAULT_SCHEMA}.${table.name}`;
    for (const [name, col] of Object.entries(table.columns)) types.set(`${key}.${col.name ?? name}`, col.type);
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
