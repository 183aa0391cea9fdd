import path from 'node:path';
import { describeDb, type DbConnection } from '../config/db-connection.js';
import type { ProjectSettings } from '../project/project-settings.js';
import type { SettingsSources } from '../project/sources.js';
import type { EngineSettings } from '../settings.js';
import { displayPath } from '../display-path.js';

/** One resolved setting: its value as shown (passwords masked) and where it came from. */
export interface SettingRow {
  readonly name: string;
  readonly value: string;
  readonly source: string;
}

interface Entry {
  readonly name: string;
  readonly variables: readonly string[];
  value(s: EngineSettings, p: ProjectSettings): string;
}

const DB_VARS = ['DATABASE_URL', 'DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_SSLMODE', 'DB_SSLROOTCERT'];
const ms = (n: number) => (n !== 0 && n % 60_000 === 0 ? `${n / 60_000}m` : n % 1000 === 0 ? `${n / 1000}s` : `${n}ms`);

const ENTRIES: readonly Entry[] = [
  { name: 'database', variables: ['MIGRATE_DATABASE_URL', 'MIGRATE_DB_USER', ...DB_VARS], value: (s) => (s.db ? connection(s.db) : 'none (local runs use the embedded server)') },
  { name: 'password', variables: ['MIGRATE_DATABASE_URL', 'MIGRATE_DB_PASS', 'DATABASE_URL', 'DB_PASS'], value: (s) => (s.db?.password ? '******** (set)' : 'not set') },
  { name: 'app role', variables: ['DATABASE_URL', 'DB_USER'], value: (s) => s.appRole ?? '(same as the migration role)' },
  { name: 'migrations dir', variables: ['MIGRATIONS_DIR'], value: (s, p) => displayPath(s.migrations.dir, p.root) },
  { name: 'models', variables: ['models'], value: (_s, p) => p.models.map((m) => displayPath(m, p.root)).join(', ') },
  { name: 'tracking schema', variables: ['DBSHIP_SCHEMA'], value: (s) => s.migrations.trackingSchema },
  { name: 'search_path', variables: ['MIGRATE_SEARCH_PATH'], value: (s) => s.migrations.searchPath.join(', ') },
  { name: 'drizzle table', variables: ['drizzleSchema', 'drizzleTable'], value: (_s, p) => (p.drizzleTable ? `${p.drizzleTable.schema}.${p.drizzleTable.table}` : 'drizzle.__drizzle_migrations (when present)') },
  { name: 'lock timeout', variables: ['MIGRATE_LOCK_TIMEOUT'], value: (s) => ms(s.migrations.lockTimeoutMs) },
  { name: 'statement timeout', variables: ['MIGRATE_STATEMENT_TIMEOUT'], value: (s) => ms(s.migrations.statementTimeoutMs) },
  { name: 'lock retries', variables: ['MIGRATE_LOCK_RETRIES'], value: (s) => String(s.migrations.lockRetries) },
  { name: 'lock retry budget', variables: ['MIGRATE_LOCK_RETRY_BUDGET'], value: (s) => ms(s.migrations.lockRetryBudgetMs) },
  { name: 'idle in transaction timeout', variables: ['MIGRATE_IDLE_IN_TRANSACTION_TIMEOUT'], value: (s) => ms(s.migrations.idleInTransactionTimeoutMs) },
  { name: 'lock wait', variables: ['MIGRATE_LOCK_WAIT'], value: (s) => ms(s.migrations.lockWaitMs) },
  { name: 'database wait', variables: ['DB_WAIT'], value: (s) => ms(s.migrations.waitMs) },
  { name: 'release window', variables: ['MIGRATE_RELEASE_WINDOW'], value: (s) => ms(s.migrations.releaseWindowMs) },
  { name: 'allow out of order', variables: ['MIGRATE_ALLOW_OUT_OF_ORDER'], value: (s) => String(s.migrations.allowOutOfOrder) },
  { name: 'strict', variables: ['MIGRATE_STRICT'], value: (s) => String(s.migrations.strict) },
  { name: 'host', variables: ['HOSTNAME'], value: (s) => s.identity.host },
  { name: 'image', variables: ['DBSHIP_IMAGE'], value: (s) => s.identity.image ?? 'not set' },
];

/** Every resolved setting with its source (`env`, `.env`, `drizzle.config.ts`, ... or `default`). */
export function settingRows(sources: SettingsSources, settings: EngineSettings, project: ProjectSettings): SettingRow[] {
  const rows = ENTRIES.map((e) => ({ name: e.name, value: e.value(settings, project), source: sourceOf(sources, e.variables) }));
  return [{ name: 'project root', value: project.root, source: 'nearest package.json' }, ...rows];
}

/** The rows as an aligned table for people. */
export function renderSettingRows(rows: readonly SettingRow[]): string[] {
  const name = Math.max(...rows.map((r) => r.name.length));
  const value = Math.max(...rows.map((r) => r.value.length));
  return rows.map((r) => `${r.name.padEnd(name)}  ${r.value.padEnd(value)}  ${r.source}`.trimEnd());
}

function sourceOf(sources: SettingsSources, variables: readonly string[]): string {
  const given = variables.filter((v) => sources.sources[v] !== undefined);
  if (given.length === 0) return 'default';
  const bySource = new Map<string, string[]>();
  for (const v of given) bySource.set(sources.sources[v]!, [...(bySource.get(sources.sources[v]!) ?? []), v]);
  return [...bySource].map(([source, vars]) => `${source} (${vars.filter((v) => /^[A-Z]/.test(v)).join(', ') || 'config'})`).join('; ');
}

function connection(db: DbConnection): string {
  return `${describeDb(db)} sslmode=${db.ssl}`;
}
