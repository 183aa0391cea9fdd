import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { check } from '../../packages/dbship/src/migrator/generate/check.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeProject, NOW } from '../helpers/generate-fixture.js';
import { cliEnv, runCliProcess } from '../helpers/migrations.js';

/**
 * A new enum value used in the same change (here as the column's new default): drizzle-kit writes
 * the ADD VALUE and the SET DEFAULT into one file, which PostgreSQL refuses in one transaction
 * (55P04 "unsafe use of new value"). generate puts the ADD VALUE in a migration of its own, first.
 */
const models = (values: string[], dflt: string) => `import { pgEnum, pgTable, serial, text } from 'drizzle-orm/pg-core';
export const status = pgEnum('status', [${values.map((v) => `'${v}'`).join(', ')}]);
export const tickets = pgTable('tickets', { id: serial('id').primaryKey(), title: text('title'), status: status('status').notNull().default('${dflt}') });`;

describe('generate: a new enum value used in the same change', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('enum_values')));
  after(async () => db.drop());

  it('adds the value in a migration of its own before the one that uses it; both deploy, no drift, and go back down', async () => {
    const p = makeProject({ history: false });
    await generate({ dir: p.dir, name: 'init', schemaPath: p.models(models(['open', 'closed'], 'open')), now: NOW });
    const result = await generate({ dir: p.dir, name: 'triage', schemaPath: p.models(models(['open', 'closed', 'triage'], 'triage')), now: NOW });
    assert.deepEqual(result.migrations.map((m) => m.tag), ['0001_triage_enum_values', '0002_triage']);
    const first = readFileSync(path.join(p.dir, '0001_triage_enum_values.sql'), 'utf8');
    const second = readFileSync(path.join(p.dir, '0002_triage.sql'), 'utf8');
    assert.match(first, /ALTER TYPE "public"\."status" ADD VALUE 'triage'/);
    assert.doesNotMatch(first, /SET DEFAULT/);
    assert.match(second, /SET DEFAULT 'triage'/);
    assert.doesNotMatch(second, /ADD VALUE/);

    const r = await runCliProcess(['deploy'], cliEnv(db.url, p.dir));
    assert.equal(r.code, 0, r.stderr);
    await db.query(`INSERT INTO tickets (title) VALUES ('x')`);
    assert.deepEqual((await db.query('SELECT status FROM tickets')).rows, [{ status: 'triage' }]);
    const drift = await runCliProcess(['drift'], cliEnv(db.url, p.dir));
    assert.equal(drift.code, 0, drift.stdout + drift.stderr);
    const report = await check({ dir: p.dir, schemaPath: makeProject({ history: false }).models(models(['open', 'closed', 'triage'], 'triage')) });
    assert.deepEqual(report.problems, [], 'check accepts both files, their down files included');

    await db.query('DELETE FROM tickets');
    const down = await runCliProcess(['downgrade', '--steps', '2', '--yes'], cliEnv(db.url, p.dir));
    assert.equal(down.code, 0, down.stderr);
    const values = await db.query<{ v: string[] }>(`SELECT enum_range(NULL::status)::text[] AS v`);
    assert.deepEqual(values.rows[0]!.v, ['open', 'closed']);
  });

  it('keeps one migration when no statement uses the new value', async () => {
    const p = makeProject({ history: false });
    await generate({ dir: p.dir, name: 'init', schemaPath: p.models(models(['open', 'closed'], 'open')), now: NOW });
    const result = await generate({ dir: p.dir, name: 'more', schemaPath: p.models(models(['open', 'closed', 'later'], 'open')), now: NOW });
    assert.deepEqual(result.migrations.map((m) => m.tag), ['0001_more']);
  });
});
