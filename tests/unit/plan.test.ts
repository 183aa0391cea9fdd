import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DbshipError } from '../../packages/dbship/src/errors.js';
import type { MigrationFile } from '../../packages/dbship/src/migrator/folder/files.js';
import { analyze, planUpgrade, type MigrationState } from '../../packages/dbship/src/migrator/runtime/plan.js';
import type { AppliedMigration } from '../../packages/dbship/src/migrator/runtime/tracking.js';

const file = (index: number, name: string, checksum = `sum-${name}`): MigrationFile => ({
  index, name: `${String(index).padStart(4, '0')}_${name}`, when: index, path: `/m/${name}.sql`, sql: '', checksum,
  downPath: null, downSql: null, transactional: true, irreversible: null, online: null,
});
const row = (name: string, seq: number, checksum = `sum-${name.replace(/^\d+_/, '')}`): AppliedMigration => ({
  name, checksum, seq, appliedAt: new Date(0), appliedBy: 'h', image: null, durationMs: 1, lockWaitMs: 0, kind: 'applied',
});

const [a, b, c] = [file(0, 'a'), file(1, 'b'), file(2, 'c')];
const defaults = { allowOutOfOrder: false, strict: false };

describe('analyze', () => {
  const cases: { title: string; files: MigrationFile[]; applied: AppliedMigration[]; states: Record<string, MigrationState>; outOfOrder?: string[] }[] = [
    { title: 'fresh database: all pending', files: [a, b], applied: [], states: { '0000_a': 'pending', '0001_b': 'pending' } },
    { title: 'partly applied', files: [a, b], applied: [row('0000_a', 1)], states: { '0000_a': 'applied', '0001_b': 'pending' } },
    { title: 'changed file', files: [a, b], applied: [row('0000_a', 1, 'other')], states: { '0000_a': 'modified', '0001_b': 'pending' } },
    { title: 'database ahead (rollback)', files: [a], applied: [row('0000_a', 1), row('0001_b', 2)], states: { '0000_a': 'applied', '0001_b': 'unknown' } },
    { title: 'deleted file in the middle', files: [a, c], applied: [row('0000_a', 1), row('0001_b', 2), row('0002_c', 3)], states: { '0000_a': 'applied', '0001_b': 'missing', '0002_c': 'applied' } },
    { title: 'late-merged older file', files: [a, b, c], applied: [row('0000_a', 1), row('0002_c', 2)], states: { '0000_a': 'applied', '0001_b': 'pending', '0002_c': 'applied' }, outOfOrder: ['0001_b'] },
  ];
  for (const t of cases) {
    it(t.title, () => {
      const result = analyze(t.files, t.applied);
      assert.deepEqual(Object.fromEntries(result.entries.map((e) => [e.name, e.state])), t.states);
      assert.deepEqual(result.outOfOrder.map((f) => f.name), t.outOfOrder ?? []);
    });
  }
});

describe('planUpgrade', () => {
  const plan = (files: MigrationFile[], applied: AppliedMigration[], options = {}) =>
    planUpgrade(files, analyze(files, applied), { ...defaults, ...options }).map((f) => f.name);
  const refused = (fn: () => unknown, code: string) =>
    assert.throws(fn, (e: unknown) => e instanceof DbshipError && e.code === code && e.exitCode === (code === 'UNKNOWN_MIGRATION' ? 2 : 5));

  it('plans every pending file in journal order', () => assert.deepEqual(plan([a, b, c], []), ['0000_a', '0001_b', '0002_c']));
  it('stops at --to, by full or short name', () => {
    assert.deepEqual(plan([a, b, c], [], { to: '0001_b' }), ['0000_a', '0001_b']);
    assert.deepEqual(plan([a, b, c], [], { to: 'a' }), ['0000_a']);
  });
  it('refuses an unknown --to', () => refused(() => plan([a], [], { to: 'zzz' }), 'UNKNOWN_MIGRATION'));
  it('names a few of a long history\'s migrations for an unknown --to: those close to it and the newest', () => {
    const history = Array.from({ length: 300 }, (_, i) => file(i, i === 42 ? 'add_invoices' : `step_${i}`));
    assert.throws(() => plan(history, [], { to: 'invoices' }), (e: unknown) => e instanceof DbshipError
      && e.fix === 'use one of: 0042_add_invoices, 0297_step_297, 0298_step_298, 0299_step_299 (`dbship status` lists all 300).');
  });
  it('refuses a changed file', () => refused(() => plan([a, b], [row('0000_a', 1, 'x')]), 'CHECKSUM_MISMATCH'));
  it('refuses a deleted file', () => refused(() => plan([a, c], [row('0000_a', 1), row('0001_b', 2), row('0002_c', 3)]), 'MISSING_FILE'));
  it('refuses out-of-order unless allowed', () => {
    const applied = [row('0000_a', 1), row('0002_c', 2)];
    refused(() => plan([a, b, c], applied), 'OUT_OF_ORDER');
    assert.deepEqual(plan([a, b, c], applied, { allowOutOfOrder: true }), ['0001_b']);
  });
  it('accepts a database ahead, unless strict', () => {
    const applied = [row('0000_a', 1), row('0001_b', 2)];
    assert.deepEqual(plan([a], applied), []);
    refused(() => plan([a], applied, { strict: true }), 'DATABASE_AHEAD');
  });
  it('refuses a diverged history (ahead and pending) unless out-of-order is allowed', () => {
    const other = row('0001_other', 2);
    refused(() => plan([a, b], [row('0000_a', 1), other]), 'DIVERGED');
    assert.deepEqual(plan([a, b], [row('0000_a', 1), other], { allowOutOfOrder: true }), ['0001_b']);
  });
});
