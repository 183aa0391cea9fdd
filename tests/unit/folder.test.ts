import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DbshipError } from '../../packages/dbship/src/errors.js';
import { loadMigrations } from '../../packages/dbship/src/migrator/folder/files.js';
import { describeGap, journalGaps, readJournal } from '../../packages/dbship/src/migrator/folder/journal.js';
import { findByName, migrationPaths, migrationTag, parseMigrationFileName, upFileOf } from '../../packages/dbship/src/migrator/folder/layout.js';
import { readSnapshot, requireCurrent } from '../../packages/dbship/src/migrator/folder/snapshot.js';
import { checkSnapshotChain } from '../../packages/dbship/src/migrator/generate/snapshot-chain.js';
import { snapshotV5, snapshotV6, writeHistory } from '../helpers/history-fixture.js';
import { tempDir, writeMigrations } from '../helpers/migrations.js';

const ORIGIN = '00000000-0000-0000-0000-000000000000';

function invalid(message: RegExp, detail?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof DbshipError, String(err));
    assert.equal(err.code, 'MIGRATIONS_DIR_INVALID');
    assert.equal(err.exitCode, 5);
    assert.match(err.message, message);
    if (detail) assert.ok(err.details.some((d) => detail.test(d)), err.details.join('\n'));
    assert.ok(err.fix);
    return true;
  };
}

describe('folder layout', () => {
  it('pads the tag to four digits, and keeps longer indexes whole', () => {
    assert.equal(migrationTag(3, 'add_bio'), '0003_add_bio');
    assert.equal(migrationTag(12345, 'x'), '12345_x');
    assert.deepEqual(migrationPaths('/m', '0003_add_bio', 3), { up: '/m/0003_add_bio.sql', down: '/m/0003_add_bio.down.sql', snapshot: '/m/meta/0003_snapshot.json' });
  });

  it('takes file names apart and finds a migration by its name without the prefix', () => {
    assert.deepEqual(parseMigrationFileName('/m/0003_add_bio.down.sql'), { tag: '0003_add_bio', index: 3, kind: 'down' });
    assert.deepEqual(parseMigrationFileName('seed.sql'), { tag: 'seed', index: null, kind: 'up' });
    assert.equal(parseMigrationFileName('meta'), undefined);
    assert.equal(upFileOf('/m/0003_a.down.sql'), '/m/0003_a.sql');
    const tags = ['0000_init', '0001_add_bio', '0002_0001_add_bio'];
    assert.equal(findByName(tags, 'add_bio', (t) => t), '0001_add_bio');
    assert.equal(findByName(tags, '0002_0001_add_bio', (t) => t), '0002_0001_add_bio');
    assert.equal(findByName(tags, 'nope', (t) => t), undefined);
  });
});

describe('journal formats 5, 6 and 7', () => {
  it('reads a format 5 journal (dialect "pg") whose later entries drizzle-kit wrote in formats 6 and 7', () => {
    const dir = writeHistory([
      { name: 'init', sql: 'CREATE TABLE a (id int);', snapshot: snapshotV5(ORIGIN, '', { a: { id: 'integer' } }) },
      { name: 'b', sql: 'CREATE TABLE b (id int);', snapshot: snapshotV6('s1', ORIGIN, { a: { id: 'integer' }, b: { id: 'integer' } }) },
      { name: 'c', sql: 'SELECT 1;', snapshot: null, version: '7' },
    ], { version: '5', dialect: 'pg' });
    const journal = readJournal(dir);
    assert.deepEqual([journal.version, journal.dialect, journal.entries.map((e) => e.version)], ['5', 'pg', ['5', '6', '7']]);
    assert.deepEqual(loadMigrations(dir).map((m) => m.name), ['0000_init', '0001_b', '0002_c']);
  });

  const broken: [string, string, RegExp, RegExp][] = [
    ['not JSON (a merge conflict)', '{\n<<<<<<< HEAD\n', /is not valid JSON/, /./],
    ['no entries', '{"version":"7","dialect":"postgresql"}', /not a drizzle-kit PostgreSQL journal/, /no "entries" list/],
    ['an entry without a tag', '{"version":"7","dialect":"postgresql","entries":[{"idx":0,"when":1}]}', /not a drizzle-kit PostgreSQL journal/, /entry 0 has no "tag"/],
    ['a tag that is a path', '{"version":"7","dialect":"postgresql","entries":[{"idx":0,"when":1,"tag":"../../etc/x"}]}', /not a drizzle-kit PostgreSQL journal/, /is a path/],
    ['another dialect', '{"version":"7","dialect":"mysql","entries":[]}', /not a drizzle-kit PostgreSQL journal/, /dialect is "mysql"/],
  ];
  for (const [title, content, message, detail] of broken) {
    it(`refuses a journal with ${title} (exit 5), naming the problem`, () => {
      const dir = writeMigrations([{ name: 'a', sql: 'SELECT 1;' }]);
      writeFileSync(path.join(dir, 'meta', '_journal.json'), content);
      assert.throws(() => loadMigrations(dir), invalid(message, title.startsWith('not JSON') ? undefined : detail));
    });
  }

  it('refuses a journal that names a missing file', () => {
    const dir = writeMigrations([{ name: 'a', sql: 'SELECT 1;' }]);
    writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries: [{ idx: 0, version: '7', when: 1, tag: '0000_a', breakpoints: true }, { idx: 1, version: '7', when: 2, tag: '0001_gone', breakpoints: true }] }));
    assert.throws(() => loadMigrations(dir, { strict: false }), invalid(/inconsistent/, /journal lists "0001_gone" but 0001_gone\.sql does not exist/));
  });
});

describe('a .sql file the journal does not list', () => {
  it('is ignored with a warning naming it (as drizzle-orm ignores it), or refused when strict', () => {
    const dir = writeMigrations([{ name: 'a', sql: 'SELECT 1;' }]);
    writeFileSync(path.join(dir, '0001_abandoned_branch.sql'), 'DROP TABLE users;');
    const warnings: string[] = [];
    assert.deepEqual(loadMigrations(dir, { strict: false, warn: (m) => warnings.push(m) }).map((m) => m.name), ['0000_a']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^0001_abandoned_branch\.sql is not listed in meta\/_journal\.json: ignored/);
    assert.throws(() => loadMigrations(dir, { strict: true }), invalid(/inconsistent/, /0001_abandoned_branch\.sql is not listed/));
  });
});

describe('the snapshot reader', () => {
  const file = (content: unknown) => {
    const f = path.join(tempDir('dbship-snap-'), '0000_snapshot.json');
    writeFileSync(f, JSON.stringify(content));
    return f;
  };

  it('reads formats 5, 6 and 7; drift and generate take only the current one', () => {
    const v5 = file(snapshotV5(ORIGIN, '', { a: { id: 'integer' } }));
    assert.equal(readSnapshot(v5).version, '5');
    assert.equal(readSnapshot(file(snapshotV6('x', ORIGIN, { a: { id: 'integer' } }))).version, '6');
    assert.throws(() => requireCurrent(readSnapshot(v5), v5), invalid(/format version "5"; dbship compares with version 7/));
  });

  it('refuses a snapshot of an unknown format version, naming the file and the versions it knows', () => {
    const f = file({ id: 'x', prevId: ORIGIN, version: '8', dialect: 'postgresql', tables: {} });
    assert.throws(() => readSnapshot(f), invalid(/0000_snapshot\.json has snapshot format version "8"; dbship reads drizzle-kit's PostgreSQL formats 5, 6, 7/));
  });
});

describe('a history whose oldest snapshots are missing', () => {
  const snap = (id: string, prevId: string) => ({ id, prevId, version: '7', dialect: 'postgresql', tables: {} });

  it('is a chain from its first snapshot on; a gap after it is still reported', () => {
    const entries = (dir: string) => readJournal(dir).entries;
    const late = writeHistory([
      { name: 'a', sql: 'SELECT 1;', snapshot: null },
      { name: 'b', sql: 'SELECT 1;', snapshot: null },
      { name: 'c', sql: 'SELECT 1;', snapshot: snap('s2', 's1') },
      { name: 'd', sql: 'SELECT 1;', snapshot: snap('s3', 's2') },
    ]);
    assert.deepEqual(checkSnapshotChain(late, entries(late)), []);
    const gap = writeHistory([
      { name: 'a', sql: 'SELECT 1;', snapshot: null },
      { name: 'b', sql: 'SELECT 1;', snapshot: snap('s1', 's0') },
      { name: 'c', sql: 'SELECT 1;', snapshot: null },
      { name: 'd', sql: 'SELECT 1;', snapshot: snap('s3', 's2') },
    ]);
    assert.deepEqual(checkSnapshotChain(gap, entries(gap)).map((p) => p.message), ['0002_c has no snapshot (meta/0002_snapshot.json)']);
  });

  it("accepts format 5's first snapshot, which carries the origin id itself", () => {
    const dir = writeHistory([
      { name: 'a', sql: 'SELECT 1;', snapshot: snapshotV5(ORIGIN, '', {}) },
      { name: 'b', sql: 'SELECT 1;', snapshot: snapshotV5('s1', ORIGIN, {}) },
    ], { version: '5', dialect: 'pg' });
    assert.deepEqual(checkSnapshotChain(dir, readJournal(dir).entries), []);
  });
});

describe('a hole in the journal idx (an entry removed, as `drizzle-kit drop` leaves it)', () => {
  const snap = (id: string, prevId: string) => ({ id, prevId, version: '7', dialect: 'postgresql', tables: {} });
  /** a, b, c, d written by drizzle-kit, then c removed with its file and snapshot: idx 0, 1, 3. */
  function holey(): string {
    const dir = writeHistory([
      { name: 'a', sql: 'SELECT 1;', snapshot: snap('s0', ORIGIN) },
      { name: 'b', sql: 'SELECT 1;', snapshot: snap('s1', 's0') },
      { name: 'c', sql: 'SELECT 1;', snapshot: snap('s2', 's1') },
      { name: 'd', sql: 'SELECT 1;', snapshot: snap('s3', 's2') },
    ]);
    const journal = JSON.parse(readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
    journal.entries.splice(2, 1);
    writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
    rmSync(path.join(dir, '0002_c.sql'));
    rmSync(path.join(dir, 'meta', '0002_snapshot.json'));
    return dir;
  }

  it('regression: loads in journal order (drizzle-orm never reads idx), the position being the run order', () => {
    const dir = holey();
    assert.deepEqual(loadMigrations(dir).map((m) => `${m.index}:${m.name}`), ['0:0000_a', '1:0001_b', '2:0003_d']);
  });

  it('is named by journalGaps, and the snapshot after it may follow the removed one', () => {
    const dir = holey();
    const entries = readJournal(dir).entries;
    assert.deepEqual(journalGaps(entries), [{ after: '0001_b', before: '0003_d', missing: [2] }]);
    assert.match(describeGap(journalGaps(entries)[0]!), /^the journal has no entry with idx 2 between 0001_b and 0003_d/);
    assert.deepEqual(checkSnapshotChain(dir, entries), []);
  });

  it('still reports a snapshot after the hole generated from a snapshot still present (two branches on one parent)', () => {
    const dir = holey();
    writeFileSync(path.join(dir, 'meta', '0003_snapshot.json'), JSON.stringify(snap('s3', 's0')));
    assert.deepEqual(checkSnapshotChain(dir, readJournal(dir).entries).map((p) => p.kind), ['snapshot-collision']);
  });

  it('keeps refusing what is wrong: a listed file that is missing, a tag listed twice', () => {
    const dir = holey();
    const file = path.join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(file, 'utf8')) as { entries: Array<Record<string, unknown>> };
    journal.entries.push({ ...journal.entries[1]!, idx: 4 }, { idx: 5, version: '7', when: 2_000_000_000_000, tag: '0005_gone', breakpoints: true });
    writeFileSync(file, JSON.stringify(journal));
    assert.throws(() => loadMigrations(dir, { strict: false }), invalid(/inconsistent/, /journal lists "0001_b" twice/));
    assert.throws(() => loadMigrations(dir, { strict: false }), invalid(/inconsistent/, /0005_gone\.sql does not exist/));
  });
});
