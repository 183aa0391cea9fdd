/**
 * The dependency rule of the dbship package (ARCHITECTURE in README.md), read from the imports
 * themselves so that a wrong-way import fails the suite instead of waiting for a review:
 * - runtime/, folder/ and sql/ (what the init container runs) import nothing from drift/,
 *   generate/ or lint/;
 * - nothing under migrator/ imports cli/;
 * - nothing in the package imports the example service (anything outside packages/dbship).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';

const PKG = path.resolve(import.meta.dirname, '../../packages/dbship/src');
const IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

interface Edge {
  readonly from: string;
  readonly to: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const f of readdirSync(PKG, { recursive: true, encoding: 'utf8' })) {
    if (!f.endsWith('.ts')) continue;
    const text = readFileSync(path.join(PKG, f), 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      out.push({ from: f, to: path.relative(PKG, path.resolve(PKG, path.dirname(f), m[1]!)) });
    }
  }
  return out;
}

const all = edges();
const under = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);

it('reads the imports of the package (the rule below checks something)', () => {
  assert.ok(all.length > 200, `only ${all.length} imports found under ${PKG}`);
});

it('runtime/, folder/ and sql/ import nothing from drift/, generate/ or lint/', () => {
  const low = ['migrator/runtime', 'migrator/folder', 'migrator/sql'];
  const high = ['migrator/drift', 'migrator/generate', 'migrator/lint'];
  const bad = all.filter((e) => low.some((d) => under(e.from, d)) && high.some((d) => under(e.to, d)));
  assert.deepEqual(bad, []);
});

it('nothing under migrator/ imports cli/', () => {
  assert.deepEqual(all.filter((e) => under(e.from, 'migrator') && under(e.to, 'cli')), []);
});

it('nothing in the package imports the example service or anything outside the package', () => {
  assert.deepEqual(all.filter((e) => e.to.startsWith('..')), []);
});
