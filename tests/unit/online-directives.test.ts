import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadMigrations, readinessTarget } from '../../packages/dbship/src/migrator/folder/files.js';
import { onlinePhaseOf } from '../../packages/dbship/src/migrator/folder/online.js';
import { autoPause } from '../../packages/dbship/src/migrator/runtime/backfill.js';
import { olderThan, type SeenRelease } from '../../packages/dbship/src/migrator/runtime/releases.js';
import { writeMigrations } from '../helpers/migrations.js';

const header = (line: string) => new Map([[line.split(' ')[0]!, line.split(' ').slice(1).join(' ')]]);

describe('online change directives', () => {
  const cases: Array<[string, string, unknown]> = [
    ['expand', 'dbship:expand rename public.users.name -> full_name', { phase: 'expand', change: 'rename public.users.name -> full_name' }],
    ['backfill with defaults', 'dbship:backfill table=public.users key=id', { phase: 'backfill', schema: 'public', table: 'users', key: 'id', batch: 1000, pauseMs: 0 }],
    ['backfill with batch and pause', 'dbship:backfill table=app.t key=k batch=50 pause=20', { phase: 'backfill', schema: 'app', table: 't', key: 'k', batch: 50, pauseMs: 20 }],
    ['backfill with the automatic pause', 'dbship:backfill table=app.t key=k batch=50 pause=auto', { phase: 'backfill', schema: 'app', table: 't', key: 'k', batch: 50, pauseMs: 'auto' }],
    ['contract', 'dbship:contract expand=0002_x_expand', { phase: 'contract', expand: '0002_x_expand' }],
  ];
  for (const [name, line, want] of cases) {
    it(`reads ${name}`, () => {
      const problems: string[] = [];
      assert.deepEqual(onlinePhaseOf('0003_x', header(line), problems), want);
      assert.deepEqual(problems, []);
    });
  }

  const bad: Array<[string, string, RegExp]> = [
    ['a backfill without a schema-qualified table', 'dbship:backfill table=users key=id', /table=<schema>\.<table>/],
    ['a backfill with a quoted key', 'dbship:backfill table=public.users key="id"', /key=<primary key column>/],
    ['a backfill batch of 0', 'dbship:backfill table=public.users key=id batch=0', /batch=<rows per batch/],
    ['a backfill pause that is neither a number nor auto', 'dbship:backfill table=public.users key=id pause=fast', /pause=<ms between batches, 0\.\.60000, or auto>/],
    ['a contract without its expand', 'dbship:contract', /needs expand=/],
  ];
  for (const [name, line, re] of bad) {
    it(`refuses ${name}`, () => {
      const problems: string[] = [];
      assert.equal(onlinePhaseOf('0003_x', header(line), problems), null);
      assert.match(problems.join('\n'), re);
    });
  }

  it('refuses a folder whose contract names no earlier expand, or whose backfill runs without a transaction', () => {
    const dir = writeMigrations([
      { name: 'init', sql: 'CREATE TABLE t (id int PRIMARY KEY, a text);' },
      { name: 'fill', sql: '-- dbship:no-transaction\n-- dbship:backfill table=public.t key=id\nUPDATE t SET a = a WHERE (id > $1 OR $1 IS NULL) AND id <= $2;' },
      { name: 'contract', sql: '-- dbship:contract expand=0000_init\nSELECT 1;' },
    ]);
    assert.throws(() => loadMigrations(dir), (err: { code?: string; details?: string[] }) => {
      const details = (err.details ?? []).join('\n');
      return err.code === 'MIGRATIONS_DIR_INVALID' && /0002_contract: its expand=0000_init is not an earlier "-- dbship:expand"/.test(details) && /0001_fill: a backfill commits batch by batch/.test(details);
    });
  });

  it('the readiness target skips trailing contracts only', () => {
    const dir = writeMigrations([
      { name: 'init', sql: 'CREATE TABLE t (id int PRIMARY KEY, a text);' },
      { name: 'x_expand', sql: '-- dbship:expand rename public.t.a -> b\nALTER TABLE t ADD COLUMN b text;' },
      { name: 'x_contract', sql: '-- dbship:contract expand=0001_x_expand\nALTER TABLE t DROP COLUMN a;' },
    ]);
    const files = loadMigrations(dir);
    assert.equal(readinessTarget(files)?.name, '0001_x_expand');
    assert.equal(readinessTarget(files.slice(0, 2))?.name, '0001_x_expand');
    assert.equal(readinessTarget([]), null);

    const seen = (version: string | null): SeenRelease => ({ instance: `pod/${version}`, version, image: null, lastSeen: new Date() });
    const older = olderThan([seen('0000_init'), seen('0001_x_expand'), seen('0002_x_contract'), seen('0009_newer'), seen(null)], files, files[1]!);
    assert.deepEqual(older.map((r) => r.version), ['0000_init', null], 'releases built before the expand (or with no migrations) hold the contract; newer or unknown ones do not');
  });

  it('pause=auto rests as long as the batch took, at least 1 ms and at most 2 s', () => {
    assert.deepEqual([0, 0.4, 12.6, 250, 1_999, 9_000].map(autoPause), [1, 1, 13, 250, 1_999, 2_000]);
  });
});
