import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { CONFIG_VARIABLES } from '../../src/config.js';

it('.env.sample documents every variable the configuration reads', () => {
  const sample = readFileSync(path.resolve(import.meta.dirname, '../../.env.sample'), 'utf8');
  const documented = new Set([...sample.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  const missing = CONFIG_VARIABLES.filter((v) => !documented.has(v));
  assert.deepEqual(missing, []);
});

it('CONFIG_VARIABLES names every variable the configuration sources read', () => {
  const files = ['packages/dbship/src/settings.ts', 'packages/dbship/src/config/db-env.ts', 'src/config.ts'];
  const source = files.map((f) => readFileSync(path.resolve(import.meta.dirname, '../..', f), 'utf8')).join('\n');
  const read = new Set([
    ...[...source.matchAll(/r\.\w+\('([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!),
    ...[...source.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!),
  ]);
  assert.ok(read.size > 10);
  assert.deepEqual([...read].filter((v) => !(CONFIG_VARIABLES as readonly string[]).includes(v)), []);
});
