import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { baseline } from '../../packages/dbship/src/migrator/baseline.js';
import { loadMigrations } from '../../packages/dbship/src/migrator/folder/files.js';
import { status } from '../../packages/dbship/src/migrator/status.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { expectError } from '../helpers/errors.js';
import { cliEnv, ROOT, runCliProcess, writeMigrations } from '../helpers/migrations.js';

const specs = [
  { name: 'create_items', sql: 'CREATE TABLE items (id int PRIMARY KEY, label text);\n' },
  { name: 'item_label_index', sql: 'CREATE INDEX items_label_idx ON items (label);\n' },
  { name: 'create_tags', sql: 'CREATE TABLE tags (id int PRIMARY KEY);\n' },
];


/** Migrates `db` with drizzle-orm's own migrator, as a project on drizzle-kit alone would have. */
async function drizzleMigrate(db: TestDatabase, dir: string): Promise<void> {
  const pool = new pg.Pool(clientConfig(db.connection, 'drizzle-migrator'));
  try {
    await migrate(drizzle(pool), { migrationsFolder: dir });
  } finally {
    await pool.end();
  }
}

/** What drizzle-kit would have recorded, computed here independently of dbship's code. */
async function simulateDrizzle(db: TestDatabase, dir: string, names: string[]): Promise<void> {
  const journal = JSON.parse(readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string; when: number }[] };
  await db.query('CREATE SCHEMA IF NOT EXISTS drizzle; CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)');
  for (const name of names) {
    const entry = journal.entries.find((e) => e.tag === name)!;
    const sql = readFileSync(path.join(dir, `${name}.sql`));
    await db.query(sql.toString('utf8'));
    await db.query('INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)', [createHash('sha256').update(sql).digest('hex'), entry.when]);
  }
}

async function recorded(db: TestDatabase): Promise<{ name: string; kind: string }[]> {
  const { rows } = await db.query('SELECT name, kind FROM dbship.migrations ORDER BY seq');
  return rows as { name: string; kind: string }[];
}

describe('baseline', () => {
  const fresh: TestDatabase[] = [];
  async function database(label: string): Promise<TestDatabase> {
    const db = await createTestDatabase(`baseline_${label}`);
    fresh.push(db);
    return db;
  }
  after(async () => Promise.all(fresh.map((db) => db.drop())));

  it('adopts a database drizzle-kit migrated: records what drizzle applied, then upgrade runs only the newer', async () => {
    const db = await database('drizzle');
    const build = writeMigrations(specs);
    await drizzleMigrate(db, writeMigrations(specs.slice(0, 2)));
    const cli = await runCliProcess(['baseline'], cliEnv(db.url, build));
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^Baselined 0000_create_items\nBaselined 0001_item_label_index\nBaseline: 2 migration\(s\) recorded as applied, up to 0001_item_label_index/m);
    assert.match(cli.stderr, /read 2 row\(s\) from drizzle\.__drizzle_migrations/);
    assert.deepEqual(await recorded(db), [{ name: '0000_create_items', kind: 'baseline' }, { name: '0001_item_label_index', kind: 'baseline' }]);
    const config = testConfig(db, build);
    const st = await status(config);
    assert.deepEqual(st.rows.map((r) => [r.name, r.state]), [['0000_create_items', 'applied'], ['0001_item_label_index', 'applied'], ['0002_create_tags', 'pending']]);
    const { rows } = await db.query("SELECT name, checksum, reason, duration_ms FROM dbship.history WHERE action = 'baseline' ORDER BY id");
    const files = loadMigrations(build);
    assert.deepEqual(rows.map((r) => [r.name, r.checksum]), [[files[0]!.name, files[0]!.checksum], [files[1]!.name, files[1]!.checksum]]);
    assert.match(rows[0]!.reason, /drizzle-kit \(drizzle\.__drizzle_migrations\)/);
    assert.deepEqual((await upgrade(config)).applied.map((a) => a.name), ['0002_create_tags']);
    assert.deepEqual((await upgrade(config)).applied, []);
    const again = await baseline(config);
    assert.deepEqual(again.baselined, []);
    assert.deepEqual(again.alreadyRecorded, ['0000_create_items', '0001_item_label_index']);
  });

  it('refuses, naming the migration, when drizzle-kit applied a different version of a file; records nothing', async () => {
    const db = await database('mismatch');
    const build = writeMigrations(specs);
    await drizzleMigrate(db, build);
    writeFileSync(path.join(build, '0001_item_label_index.sql'), 'CREATE INDEX items_label_idx ON items (lower(label));\n');
    const cli = await runCliProcess(['baseline'], cliEnv(db.url, build));
    assert.equal(cli.code, 5, cli.stderr);
    assert.match(cli.stderr, /error\[BASELINE_CONFLICT\]: drizzle\.__drizzle_migrations does not match/);
    assert.match(cli.stderr, /0001_item_label_index: drizzle-kit applied a version with hash [0-9a-f]{12} \(row id 2\); this build's file has [0-9a-f]{12}/);
    assert.deepEqual(await recorded(db), []);
    await expectError(baseline(testConfig(db, build), { to: '0002_create_tags' }), 'BASELINE_CONFLICT');
    assert.deepEqual(await recorded(db), []);
  });

  it('without a drizzle table needs --to (usage error); with it, records up to NAME and upgrade applies the rest', async () => {
    const db = await database('to');
    const build = writeMigrations(specs);
    for (const s of specs.slice(0, 2)) await db.query(s.sql);
    const missing = await runCliProcess(['baseline'], cliEnv(db.url, build));
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /error\[USAGE\]: baseline needs --to NAME: there is no drizzle\.__drizzle_migrations table/);
    const cli = await runCliProcess(['baseline', '--to', 'item_label_index'], cliEnv(db.url, build));
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(await recorded(db), [{ name: '0000_create_items', kind: 'baseline' }, { name: '0001_item_label_index', kind: 'baseline' }]);
    const { rows } = await db.query("SELECT reason FROM dbship.history WHERE action = 'baseline'");
    assert.deepEqual(rows.map((r) => r.reason), ['adopted: baseline --to 0001_item_label_index', 'adopted: baseline --to 0001_item_label_index']);
    const result = await upgrade(testConfig(db, build));
    assert.deepEqual(result.applied.map((a) => a.name), ['0002_create_tags']);
    await expectError(baseline(testConfig(db, build), { to: 'nope' }), 'UNKNOWN_MIGRATION');
  });

  it('refuses when dbship.migrations already records a conflicting row', async () => {
    const db = await database('conflict');
    const build = writeMigrations(specs);
    await upgrade(testConfig(db, build), { to: '0000_create_items' });
    await db.query("UPDATE dbship.migrations SET checksum = 'feedface' WHERE name = '0000_create_items'");
    const changed = await expectError(baseline(testConfig(db, build), { to: '0001_item_label_index' }), 'BASELINE_CONFLICT');
    assert.match(changed.details.join('\n'), /0000_create_items: recorded with checksum feedface/);
    await db.query("UPDATE dbship.migrations SET name = '0000_other_branch'");
    const foreign = await expectError(baseline(testConfig(db, build), { to: '0001_item_label_index' }), 'BASELINE_CONFLICT');
    assert.match(foreign.details.join('\n'), /0000_other_branch: recorded, but not a migration of this build/);
    assert.deepEqual((await recorded(db)).map((r) => r.name), ['0000_other_branch']);
  });

  it('refuses to guess past drizzle-kit\'s record: a gap, or --to before drizzle\'s newest; --to past a gap warns', async () => {
    const db = await database('gap');
    const build = writeMigrations(specs);
    await simulateDrizzle(db, build, ['0000_create_items', '0002_create_tags']);
    const gap = await expectError(baseline(testConfig(db, build)), 'BASELINE_CONFLICT');
    assert.match(gap.message, /drizzle-kit has no record of 0001_item_label_index/);
    const early = await expectError(baseline(testConfig(db, build), { to: '0000_create_items' }), 'BASELINE_CONFLICT');
    assert.match(early.message, /drizzle-kit already applied 0002_create_tags, after 0000_create_items/);
    assert.deepEqual(await recorded(db), []);
    const warnings: string[] = [];
    const result = await baseline(testConfig(db, build), { to: '0002_create_tags', onEvent: (e) => e.type === 'warning' && warnings.push(e.message) });
    assert.deepEqual(result.baselined, ['0000_create_items', '0001_item_label_index', '0002_create_tags']);
    assert.match(warnings.join('\n'), /0001_item_label_index is not recorded by drizzle-kit/);
  });

  const committed = path.join(ROOT, 'migrations');
  const hasCommitted = loadMigrations(committed).length > 0;
  it('adopts a database drizzle-kit migrated from the committed migrations/', { skip: hasCommitted ? false : 'no committed migrations yet' }, async () => {
    const db = await database('committed');
    await drizzleMigrate(db, committed);
    const config = testConfig(db, committed);
    const result = await baseline(config);
    assert.deepEqual(result.baselined, loadMigrations(committed).map((f) => f.name));
    assert.deepEqual((await upgrade(config)).applied, []);
    const st = await status(config);
    assert.ok(st.rows.every((r) => r.state === 'applied'), JSON.stringify(st.rows));
  });
});
