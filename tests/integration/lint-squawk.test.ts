/**
 * Differential test against squawk (https://squawkhq.com), the established PostgreSQL migration
 * linter, run as the real binary on every file of tests/fixtures/lint/corpus/. For each squawk
 * rule that has a dbship counterpart, every statement squawk flags must be flagged by dbship too,
 * except the listed, explained differences of design (which must still occur, so the list stays
 * true). dbship flagging more than squawk is allowed and shown in the table.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { headerDirectives, NO_TRANSACTION } from '../../packages/dbship/src/migrator/folder/files.js';
import { lintFiles, migrationSqlFiles } from '../../packages/dbship/src/migrator/lint/index.js';
import { parseFile } from '../../packages/dbship/src/migrator/lint/parse.js';
import { SourceText } from '../../packages/dbship/src/migrator/sql/source.js';
import { ROOT } from '../helpers/migrations.js';

const SQUAWK = path.join(ROOT, 'node_modules/.bin/squawk');
const CORPUS = path.join(ROOT, 'tests/fixtures/lint/corpus');
/** The oldest PostgreSQL the corpus is judged for; dbship's rules assume 12+ and CI runs 15 and 17. */
const PG_VERSION = '15';

/** squawk rule -> the dbship rules that flag the same danger. */
const SHARED: Record<string, string[]> = {
  'adding-required-field': ['add-column-not-null-without-default'],
  'adding-not-nullable-field': ['set-not-null'],
  'require-concurrent-index-creation': ['create-index-without-concurrently'],
  'require-concurrent-index-deletion': ['drop-index-without-concurrently'],
  'ban-concurrent-index-creation-in-transaction': ['concurrently-in-transaction'],
  'constraint-missing-not-valid': ['constraint-without-not-valid', 'add-unique-constraint', 'validate-in-same-transaction'],
  'adding-foreign-key-constraint': ['constraint-without-not-valid'],
  'disallowed-unique-constraint': ['add-unique-constraint'],
  'changing-column-type': ['column-type-rewrite'],
  'adding-field-with-default': ['volatile-default', 'add-generated-column'],
  'adding-serial-primary-key-field': ['volatile-default', 'add-unique-constraint'],
  'ban-drop-column': ['drop-column'],
  'ban-drop-table': ['drop-table'],
  'renaming-column': ['rename-column'],
  'renaming-table': ['rename-table'],
  'ban-truncate-cascade': ['truncate'],
  'require-concurrent-reindex': ['reindex-without-concurrently'],
  'transaction-nesting': ['transaction-control'],
  'ban-uncommitted-transaction': ['transaction-control'],
};

/** Statements squawk flags and dbship deliberately does not: `file:line squawk-rule` -> why. */
const KNOWN_DIFFERENCES: Record<string, string> = {
  '0000_create_users.down.sql:1 ban-drop-table': 'a down file may drop the table its up migration created',
  '0001_create_posts.down.sql:3 ban-drop-table': 'a down file may drop the table its up migration created',
  '0018_users_widen_name.sql:1 changing-column-type':
    'varchar(100) -> varchar(255) is proven catalog-only from meta/0017_snapshot.json (checked on PostgreSQL in lint-postgres.test.ts)',
};

interface SquawkViolation {
  file: string;
  line: number;
  rule_name: string;
}

/** Runs squawk once on several files (its JSON report names each violation's file). */
async function squawk(files: string[], transactional: boolean): Promise<SquawkViolation[]> {
  if (files.length === 0) return [];
  const args = ['--reporter=json', `--pg-version=${PG_VERSION}`, ...(transactional ? ['--assume-in-transaction'] : []), ...files];
  try {
    const { stdout } = await promisify(execFile)(SQUAWK, args, { maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout) as SquawkViolation[];
  } catch (err) {
    // squawk exits 1 when it found something; its report is still on stdout.
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (e.code === 1 && e.stdout) return JSON.parse(e.stdout) as SquawkViolation[];
    throw new Error(`squawk failed: ${e.stderr ?? String(err)}`);
  }
}

/** The number of statements of a file, and the statement (its first line) holding a 1-based line. */
async function statementLines(file: string): Promise<{ count: number; stmtOf: (line: number) => number | undefined }> {
  const parsed = await parseFile(new SourceText(readFileSync(file, 'utf8')));
  assert.ok(parsed.ok, `${file} parses`);
  return { count: parsed.statements.length, stmtOf: (line) => parsed.statements.find((s) => s.line <= line && line <= s.endLine)?.line };
}

test('every statement squawk flags for a shared rule is flagged by dbship', async () => {
  assert.ok(existsSync(SQUAWK), `the squawk binary is missing at ${SQUAWK} (dev dependency squawk-cli)`);
  const files = migrationSqlFiles(CORPUS);
  const ours = await lintFiles(files);
  const table = new Map(Object.keys(SHARED).map((r) => [r, { squawk: new Set<string>(), dbship: new Set<string>() }]));
  const missed: string[] = [];
  const transactional = (f: string): boolean => !headerDirectives(readFileSync(f, 'utf8')).has(NO_TRANSACTION);
  const violations = [...(await squawk(files.filter(transactional), true)), ...(await squawk(files.filter((f) => !transactional(f)), false))];
  let statements = 0;
  for (const file of files) {
    const name = path.basename(file);
    const { count, stmtOf } = await statementLines(file);
    statements += count;
    for (const [rule, row] of table) {
      for (const f of ours) if (f.file === file && SHARED[rule]!.includes(f.rule)) row.dbship.add(`${name}:${stmtOf(f.line)}`);
    }
    for (const v of violations.filter((x) => path.resolve(x.file) === file)) {
      const row = table.get(v.rule_name);
      if (!row) continue;
      const key = `${name}:${stmtOf(v.line + 1)}`;
      row.squawk.add(key);
      if (!row.dbship.has(key)) missed.push(`${key} ${v.rule_name}`);
    }
  }
  printTable(table, files.length, statements);
  assert.ok(statements >= 40, `the corpus has ${statements} statements; keep at least 40`);
  const unexplained = missed.filter((m) => !(m in KNOWN_DIFFERENCES));
  assert.deepEqual(unexplained, [], 'squawk flags these statements and dbship does not');
  const stale = Object.keys(KNOWN_DIFFERENCES).filter((k) => !missed.includes(k));
  assert.deepEqual(stale, [], 'these documented differences no longer occur: update KNOWN_DIFFERENCES and docs/lint-rules.md');
});

function printTable(table: Map<string, { squawk: Set<string>; dbship: Set<string> }>, files: number, statements: number): void {
  const width = Math.max(...[...table.keys()].map((r) => r.length));
  console.log(`squawk ${PG_VERSION} vs dbship on ${files} corpus files, ${statements} statements: flagged statements per shared rule`);
  console.log(`${'squawk rule'.padEnd(width)}  squawk  dbship  both  dbship rule(s)`);
  for (const [rule, r] of table) {
    const both = [...r.squawk].filter((k) => r.dbship.has(k)).length;
    console.log(`${rule.padEnd(width)}  ${String(r.squawk.size).padStart(6)}  ${String(r.dbship.size).padStart(6)}  ${String(both).padStart(4)}  ${SHARED[rule]!.join(', ')}`);
  }
  for (const [k, why] of Object.entries(KNOWN_DIFFERENCES)) console.log(`squawk only, by design: ${k}: ${why}`);
}
