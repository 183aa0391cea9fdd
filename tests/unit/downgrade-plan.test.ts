import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DbshipError } from '../../packages/dbship/src/errors.js';
import { matchDrizzleRows } from '../../packages/dbship/src/migrator/baseline.js';
import { planDowngrade, type DowngradeRequest } from '../../packages/dbship/src/migrator/downgrade.js';
import type { MigrationFile } from '../../packages/dbship/src/migrator/folder/files.js';
import type { AppliedMigration } from '../../packages/dbship/src/migrator/runtime/tracking.js';

function file(index: number, name: string, extra: Partial<MigrationFile> = {}): MigrationFile {
  return {
    index, name: `${String(index).padStart(4, '0')}_${name}`, when: 1_000 + index, path: `/m/${name}.sql`, sql: `-- ${name}`,
    checksum: `sum-${name}`, downPath: `/m/${name}.down.sql`, downSql: `-- undo ${name}`, transactional: true, irreversible: null, online: null, ...extra,
  };
}

function row(f: MigrationFile | string, seq: number, checksum?: string): AppliedMigration {
  const name = typeof f === 'string' ? f : f.name;
  return { name, checksum: checksum ?? (typeof f === 'string' ? 'x' : f.checksum), appliedAt: new Date(0), appliedBy: 'h', image: null, durationMs: 1, lockWaitMs: 0, kind: 'applied', seq };
}

const a = file(0, 'a');
const b = file(1, 'b');
const c = file(2, 'c');
const noDown = file(1, 'b', { downPath: null, downSql: null });
const marked = file(2, 'c', { irreversible: 'drops data' });
const concurrently = file(2, 'c', { downSql: '-- dbship:no-transaction\nDROP INDEX CONCURRENTLY i;' });

describe('planDowngrade', () => {
  const cases: { name: string; files: MigrationFile[]; applied: AppliedMigration[]; request: DowngradeRequest; expect: string[] | { code: string; match?: RegExp } }[] = [
    { name: 'default is one step, the newest applied', files: [a, b, c], applied: [row(a, 1), row(b, 2), row(c, 3)], request: {}, expect: ['0002_c'] },
    { name: 'steps go by application order, not file order', files: [a, b, c], applied: [row(a, 1), row(c, 2), row(b, 3)], request: { steps: 2 }, expect: ['0001_b', '0002_c'] },
    { name: 'to keeps NAME applied (short name accepted)', files: [a, b, c], applied: [row(a, 1), row(b, 2), row(c, 3)], request: { to: 'a' }, expect: ['0002_c', '0001_b'] },
    { name: 'to the newest applied is nothing to do', files: [a, b, c], applied: [row(a, 1), row(b, 2)], request: { to: '0001_b' }, expect: [] },
    { name: 'nothing applied is nothing to do', files: [a, b], applied: [], request: {}, expect: [] },
    { name: 'a missing down file refuses', files: [a, noDown, c], applied: [row(a, 1), row(noDown, 2), row(c, 3)], request: { steps: 2 }, expect: { code: 'IRREVERSIBLE', match: /"0001_b"/ } },
    { name: 'an irreversible marker refuses', files: [a, b, marked], applied: [row(a, 1), row(b, 2), row(marked, 3)], request: {}, expect: { code: 'IRREVERSIBLE', match: /"0002_c"/ } },
    { name: 'every offender is named', files: [a, noDown, marked], applied: [row(a, 1), row(noDown, 2), row(marked, 3)], request: { to: 'a' }, expect: { code: 'IRREVERSIBLE', match: /"0002_c", "0001_b"/ } },
    { name: 'out of range offenders do not matter', files: [a, noDown, c], applied: [row(a, 1), row(noDown, 2), row(c, 3)], request: {}, expect: ['0002_c'] },
    { name: 'unknown to this build refuses', files: [a, b], applied: [row(a, 1), row(b, 2), row('0002_new', 3)], request: {}, expect: { code: 'IRREVERSIBLE', match: /"0002_new"/ } },
    { name: 'a changed file is an integrity error', files: [a, b], applied: [row(a, 1, 'old'), row(b, 2)], request: {}, expect: { code: 'CHECKSUM_MISMATCH' } },
    { name: 'steps beyond what is applied', files: [a, b], applied: [row(a, 1)], request: { steps: 2 }, expect: { code: 'USAGE', match: /more than the 1 applied/ } },
    { name: 'steps of zero', files: [a], applied: [row(a, 1)], request: { steps: 0 }, expect: { code: 'USAGE' } },
    { name: 'steps and to together', files: [a, b], applied: [row(a, 1), row(b, 2)], request: { steps: 1, to: 'a' }, expect: { code: 'USAGE' } },
    { name: 'to a pending migration', files: [a, b], applied: [row(a, 1)], request: { to: 'b' }, expect: { code: 'USAGE', match: /0001_b is not applied/ } },
    { name: 'to an unknown name', files: [a], applied: [row(a, 1)], request: { to: 'zzz' }, expect: { code: 'UNKNOWN_MIGRATION' } },
  ];
  for (const t of cases) {
    it(t.name, () => {
      if (Array.isArray(t.expect)) {
        assert.deepEqual(planDowngrade(t.files, t.applied, t.request).map((s) => s.file.name), t.expect);
        return;
      }
      const { code, match } = t.expect;
      assert.throws(() => planDowngrade(t.files, t.applied, t.request), (err) => err instanceof DbshipError && err.code === code && (!match || match.test(err.message)));
    });
  }

  it('runs the down file, transactional unless its own header says no-transaction', () => {
    const [plain] = planDowngrade([a], [row(a, 1)], {});
    assert.deepEqual(plain!.target, { name: '0000_a', path: '/m/a.down.sql', sql: '-- undo a', transactional: true, direction: 'down' });
    const [noTx] = planDowngrade([a, b, concurrently], [row(a, 1), row(b, 2), row(concurrently, 3)], {});
    assert.equal(noTx!.target.transactional, false);
  });
});

describe('matchDrizzleRows', () => {
  const cases: { name: string; rows: { id: number; hash: string; createdAt: number }[]; expect: string[] | RegExp }[] = [
    { name: 'rows matching by hash, in build order', rows: [{ id: 1, hash: 'sum-a', createdAt: 1000 }, { id: 2, hash: 'sum-b', createdAt: 1001 }], expect: ['0000_a', '0001_b'] },
    { name: 'no rows', rows: [], expect: [] },
    { name: 'a different hash at a file\'s timestamp names the file', rows: [{ id: 1, hash: 'sum-a', createdAt: 1000 }, { id: 2, hash: 'edited', createdAt: 1001 }], expect: /0001_b: drizzle-kit applied a version with hash edited/ },
    { name: 'a row matching nothing is named by id', rows: [{ id: 7, hash: 'other', createdAt: 5 }], expect: /row id 7 \(hash other, created_at 5\) matches no migration/ },
  ];
  for (const t of cases) {
    it(t.name, () => {
      if (Array.isArray(t.expect)) {
        assert.deepEqual(matchDrizzleRows([a, b, c], t.rows).map((f) => f.name), t.expect);
        return;
      }
      const pattern = t.expect;
      assert.throws(() => matchDrizzleRows([a, b, c], t.rows), (err) => err instanceof DbshipError && err.code === 'BASELINE_CONFLICT' && pattern.test(err.details.join('\n')));
    });
  }
});
