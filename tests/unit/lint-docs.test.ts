/**
 * docs/lint-rules.md is executable: every rule has a section with its real severity, its flagged
 * example is reported by that rule, and its safe alternative lints clean.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ALL_RULES, lintSql } from '../../packages/dbship/src/migrator/lint/index.js';
import { ROOT } from '../helpers/migrations.js';

const doc = readFileSync(path.join(ROOT, 'docs/lint-rules.md'), 'utf8');

interface Section {
  readonly id: string;
  readonly severity: string | undefined;
  readonly flagged: string[];
  readonly safe: string[];
}

function sections(): Section[] {
  return doc.split(/^## /m).slice(1).flatMap((chunk) => {
    const id = /^`([a-z-]+)`\n/.exec(chunk)?.[1];
    if (!id) return [];
    const blocks = (kind: string): string[] => [...chunk.matchAll(new RegExp('```sql ' + kind + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
    return [{ id, severity: /^Severity: (\w+)$/m.exec(chunk)?.[1], flagged: blocks('flagged'), safe: blocks('safe') }];
  });
}

/** A block split at `-- file: NAME` lines into the migration files it stands for. */
function files(block: string): { name: string; sql: string }[] {
  const parts = block.split(/^-- file: (\S+)\n/m);
  if (parts.length === 1) return [{ name: '0001_example.sql', sql: block }];
  const out: { name: string; sql: string }[] = [];
  for (let i = 1; i < parts.length; i += 2) out.push({ name: parts[i]!, sql: parts[i + 1]! });
  return out;
}

describe('docs/lint-rules.md', () => {
  const found = sections();

  test('one section per rule, in registry order, with the rule severity', () => {
    assert.deepEqual(found.map((s) => s.id), ALL_RULES.map((r) => r.id));
    for (const rule of ALL_RULES) assert.equal(found.find((s) => s.id === rule.id)?.severity, rule.severity, rule.id);
  });

  test('the table at a glance lists every rule with its severity', () => {
    for (const rule of ALL_RULES) assert.match(doc, new RegExp(`^\\| \`${rule.id}\` \\| ${rule.severity} \\|`, 'm'), rule.id);
  });

  for (const section of found) {
    test(`${section.id}: the flagged example is reported, the safe one is clean`, async () => {
      assert.equal(section.flagged.length, 1, 'one flagged example');
      assert.equal(section.safe.length, 1, 'one safe alternative');
      const flagged = await lintSql(section.flagged[0]!, { file: '0001_example.sql' });
      assert.ok(flagged.some((f) => f.rule === section.id), `${section.id} not in ${JSON.stringify(flagged.map((f) => f.rule))}`);
      for (const file of files(section.safe[0]!)) {
        const findings = await lintSql(file.sql, { file: file.name });
        assert.deepEqual(findings.map((f) => `${f.rule}: ${f.message}`), [], `${file.name} is clean`);
      }
    });
  }
});
