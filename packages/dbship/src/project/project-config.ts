import { existsSync } from 'node:fs';
import path from 'node:path';
import { DbshipError } from '../errors.js';
import type { Layer } from '../config/layers.js';
import { importProjectModule } from './load-module.js';

const EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'];

/** Keys of a `dbship` section (in drizzle.config.*) or of dbship.config.*, and the variable each sets. */
export const DBSHIP_CONFIG_KEYS: Readonly<Record<string, string>> = {
  migrationsDir: 'MIGRATIONS_DIR',
  models: 'models',
  trackingSchema: 'DBSHIP_SCHEMA',
  searchPath: 'MIGRATE_SEARCH_PATH',
  lockTimeout: 'MIGRATE_LOCK_TIMEOUT',
  statementTimeout: 'MIGRATE_STATEMENT_TIMEOUT',
  lockRetries: 'MIGRATE_LOCK_RETRIES',
  lockRetryBudget: 'MIGRATE_LOCK_RETRY_BUDGET',
  idleInTransactionTimeout: 'MIGRATE_IDLE_IN_TRANSACTION_TIMEOUT',
  lockWait: 'MIGRATE_LOCK_WAIT',
  allowOutOfOrder: 'MIGRATE_ALLOW_OUT_OF_ORDER',
  strict: 'MIGRATE_STRICT',
  wait: 'DB_WAIT',
  releaseWindow: 'MIGRATE_RELEASE_WINDOW',
};

/** The first `<base>.<ext>` in `root`, in the order drizzle-kit looks for its config. */
export function findConfigFile(root: string, base: 'drizzle.config' | 'dbship.config'): string | undefined {
  return EXTENSIONS.map((ext) => path.join(root, `${base}${ext}`)).find((f) => existsSync(f));
}

/**
 * The project's config files as settings sources, highest precedence first: dbship.config.*, the
 * `dbship` section of drizzle.config.*, then drizzle.config.* itself (`schema`, `out`,
 * `migrations.table` / `migrations.schema`, `dbCredentials`). Values are named by the
 * environment variable they stand for, so that one merge rule and one validation serve all.
 * Their errors show paths from `cwd`, where dbship runs.
 */
export async function readProjectLayers(root: string, cwd: string = root): Promise<Layer[]> {
  const layers: Layer[] = [];
  const dbshipFile = findConfigFile(root, 'dbship.config');
  if (dbshipFile) layers.push({ source: path.basename(dbshipFile), values: dbshipValues(await configObject(dbshipFile, cwd), dbshipFile) });
  const drizzleFile = findConfigFile(root, 'drizzle.config');
  if (drizzleFile) {
    const config = await configObject(drizzleFile, cwd);
    const name = path.basename(drizzleFile);
    if (config.dbship !== undefined) layers.push({ source: `${name} (dbship)`, values: dbshipValues(config.dbship, drizzleFile, 'dbship.') });
    layers.push({ source: name, values: drizzleValues(config, drizzleFile) });
  }
  return layers;
}

async function configObject(file: string, cwd: string): Promise<Record<string, unknown>> {
  const mod = await importProjectModule(file, cwd);
  let config: unknown = mod.default ?? mod;
  if (typeof config === 'function') config = await (config as () => unknown)();
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw invalid(file, 'its default export is not an object', 'export the settings object: `export default defineConfig({ ... })`.');
  }
  return config as Record<string, unknown>;
}

function drizzleValues(config: Record<string, unknown>, file: string): Record<string, string> {
  const values: Record<string, string> = {};
  const dialect = config.dialect;
  if (dialect !== undefined && dialect !== 'postgresql') {
    throw invalid(file, `its dialect is "${String(dialect)}"`, 'dbship migrates PostgreSQL only: use it with `dialect: "postgresql"`.');
  }
  const schema = config.schema;
  if (schema !== undefined) values.models = stringList(schema, 'schema', file).join('\n');
  // drizzle-kit's own default folder, when the config names none.
  values.MIGRATIONS_DIR = config.out === undefined ? 'drizzle' : string(config.out, 'out', file);
  const migrations = objectAt(config, 'migrations', file);
  if (migrations.table !== undefined) values.drizzleTable = string(migrations.table, 'migrations.table', file);
  if (migrations.schema !== undefined) values.drizzleSchema = string(migrations.schema, 'migrations.schema', file);
  Object.assign(values, credentialValues(objectAt(config, 'dbCredentials', file), file));
  return values;
}

function credentialValues(creds: Record<string, unknown>, file: string): Record<string, string> {
  if (creds.url !== undefined) return { DATABASE_URL: string(creds.url, 'dbCredentials.url', file) };
  const values: Record<string, string> = {};
  const fields = { host: 'DB_HOST', port: 'DB_PORT', database: 'DB_NAME', user: 'DB_USER', password: 'DB_PASS' } as const;
  for (const [field, variable] of Object.entries(fields)) {
    const v = creds[field];
    if (v !== undefined && v !== null) values[variable] = typeof v === 'number' ? String(v) : string(v, `dbCredentials.${field}`, file);
  }
  if (creds.ssl !== undefined && Object.keys(values).length > 0) values.DB_SSLMODE = sslModeOf(creds.ssl);
  return values;
}

/** drizzle-kit passes `ssl` to node-postgres: `true` and a TLS options object verify the server. */
function sslModeOf(ssl: unknown): string {
  if (ssl === true) return 'verify-full';
  if (ssl === false) return 'disable';
  if (typeof ssl === 'string') return ssl;
  return (ssl as { rejectUnauthorized?: boolean })?.rejectUnauthorized === false ? 'require' : 'verify-full';
}

function dbshipValues(section: unknown, file: string, prefix = ''): Record<string, string> {
  if (section === null || typeof section !== 'object' || Array.isArray(section)) {
    throw invalid(file, `${prefix ? 'its `dbship` section' : 'its default export'} is not an object`, `give an object with any of: ${Object.keys(DBSHIP_CONFIG_KEYS).join(', ')}.`);
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(section)) {
    const variable = DBSHIP_CONFIG_KEYS[key];
    if (!variable) throw invalid(file, `it has an unknown setting \`${prefix}${key}\``, `use one of: ${Object.keys(DBSHIP_CONFIG_KEYS).join(', ')}.`);
    if (value === undefined || value === null) continue;
    values[variable] = Array.isArray(value) ? stringList(value, prefix + key, file).join(key === 'models' ? '\n' : ',') : String(value);
  }
  return values;
}

function objectAt(config: Record<string, unknown>, key: string, file: string): Record<string, unknown> {
  const v = config[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(file, `\`${key}\` is not an object`, `correct \`${key}\` in the file.`);
  return v as Record<string, unknown>;
}

function string(v: unknown, key: string, file: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw invalid(file, `\`${key}\` is not a non-empty string`, `correct \`${key}\` in the file.`);
  return v;
}

function stringList(v: unknown, key: string, file: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  return list.map((item) => string(item, key, file));
}

function invalid(file: string, what: string, fix: string): DbshipError {
  return new DbshipError('CONFIG_INVALID', `${path.basename(file)} cannot be used: ${what}`, { fix });
}
