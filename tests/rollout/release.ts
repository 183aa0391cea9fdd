import { randomUUID } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appendMigration } from '../../bench/lib/migration-folder.js';
import { ROOT } from '../helpers/migrations.js';

/** The committed migrations: release N. */
export const RELEASE_N = path.join(ROOT, 'migrations');

interface Snapshot {
  id: string;
  prevId: string;
  tables: Record<string, { columns: Record<string, unknown>; indexes: Record<string, unknown> }>;
}

/**
 * Release N+1's migrations folder in `dir`: the committed ones, then an expand-only change as a
 * rolling deploy needs it (a nullable column; an index built CONCURRENTLY outside a transaction),
 * each with its down file and a snapshot, so `dbship deploy`'s drift check applies as usual.
 */
export function releaseNPlus1(dir: string): string {
  cpSync(RELEASE_N, dir, { recursive: true });
  const column = appendMigration(dir, 'add_user_nickname', 'ALTER TABLE "users" ADD COLUMN "nickname" text;\n', 'ALTER TABLE "users" DROP COLUMN "nickname";\n');
  const index = appendMigration(
    dir,
    'index_users_created_at',
    '-- dbship:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "users_created_at_idx" ON "users" USING btree ("created_at");\n',
    '-- dbship:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS "users_created_at_idx";\n',
  );
  const newest = readFileSync(path.join(RELEASE_N, 'meta', lastSnapshotName(RELEASE_N)), 'utf8');
  const withColumn = JSON.parse(newest) as Snapshot;
  withColumn.prevId = withColumn.id;
  withColumn.id = randomUUID();
  withColumn.tables['public.users']!.columns.nickname = { name: 'nickname', type: 'text', primaryKey: false, notNull: false };
  writeFileSync(path.join(dir, 'meta', `${column.slice(0, 4)}_snapshot.json`), `${JSON.stringify(withColumn, null, 2)}\n`);
  const withIndex = structuredClone(withColumn);
  withIndex.prevId = withColumn.id;
  withIndex.id = randomUUID();
  withIndex.tables['public.users']!.indexes.users_created_at_idx = {
    name: 'users_created_at_idx',
    columns: [{ expression: 'created_at', isExpression: false, asc: true, nulls: 'last' }],
    isUnique: false,
    concurrently: true,
    method: 'btree',
    with: {},
  };
  writeFileSync(path.join(dir, 'meta', `${index.slice(0, 4)}_snapshot.json`), `${JSON.stringify(withIndex, null, 2)}\n`);
  return dir;
}

function lastSnapshotName(dir: string): string {
  const journal = JSON.parse(readFileSync(path.join(dir, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  const last = journal.entries.at(-1);
  if (!last) throw new Error(`${dir} has no migrations`);
  return `${last.tag.slice(0, 4)}_snapshot.json`;
}
