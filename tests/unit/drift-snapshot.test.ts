import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DbshipError } from '../../packages/dbship/src/errors.js';
import { driftScope } from '../../packages/dbship/src/migrator/drift/model.js';
import { newestSnapshot } from '../../packages/dbship/src/migrator/folder/snapshot.js';
import { expectedModel } from '../../packages/dbship/src/migrator/drift/snapshot-model-expected.js';
import { tempDir } from '../helpers/migrations.js';

/** A migrations folder whose journal lists `entries` migrations (0000_m0, 0001_m1, ...), plus `files` in meta/. */
function folder(files: Record<string, unknown>, entries = Object.keys(files).filter((f) => f.endsWith('_snapshot.json')).length): string {
  const dir = tempDir('dbship-drift-snap-');
  mkdirSync(path.join(dir, 'meta'));
  const listed = Array.from({ length: entries }, (_, idx) => ({ idx, version: '7', when: idx, tag: `${String(idx).padStart(4, '0')}_m${idx}`, breakpoints: true }));
  writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries: listed }));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, 'meta', name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

const snapshot = (tables: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({ id: 'x', prevId: 'y', version: '7', dialect: 'postgresql', tables, ...extra });

describe('newestSnapshot (what drift compares with)', () => {
  it('returns null without a meta folder or with an empty journal', () => {
    assert.equal(newestSnapshot(tempDir('dbship-drift-nometa-')), null);
    assert.equal(newestSnapshot(folder({}, 0)), null);
  });

  it("picks the journal's last entry, not the highest-numbered file (generate and drift read the same snapshot)", () => {
    const snapshots = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`${String(i).padStart(4, '0')}_snapshot.json`, snapshot({}, { id: `s${i}` })]));
    const dir = folder(snapshots, 10);
    const newest = newestSnapshot(dir)!;
    assert.equal(path.basename(newest.path), '0009_snapshot.json');
    assert.equal(newest.snapshot.id, 's9');
  });

  it("refuses when the journal's last entry has no snapshot, rather than take an older one", () => {
    const dir = folder({ '0000_snapshot.json': snapshot() }, 2);
    assert.throws(() => newestSnapshot(dir), (err: unknown) => err instanceof DbshipError && err.exitCode === 5 && /"0001_m1" has no snapshot/.test(err.message));
  });

  const broken: [string, unknown, RegExp][] = [
    ['invalid JSON', '{"version": "7",', /is not valid JSON/],
    ['another dialect', { version: '7', dialect: 'mysql', tables: {} }, /dialect "mysql"/],
    ['an old format version', { id: 'x', prevId: 'y', version: '5', dialect: 'pg', tables: {} }, /format version "5"; dbship compares with version 7/],
    ['an unknown format version', { id: 'x', prevId: 'y', version: '8', dialect: 'postgresql', tables: {} }, /format version "8"; dbship reads drizzle-kit's PostgreSQL formats 5, 6, 7/],
    ['no tables', { version: '7', dialect: 'postgresql' }, /no "tables" object/],
    ['a column without a type', snapshot({ 'public.t': { name: 't', schema: '', columns: { a: { name: 'a' } } } }), /malformed column "public\.t\.a"/],
  ];
  for (const [title, content, message] of broken) {
    it(`refuses a snapshot with ${title} (MIGRATIONS_DIR_INVALID, exit 5)`, () => {
      const dir = folder({ '0000_snapshot.json': content });
      assert.throws(() => newestSnapshot(dir), (err: unknown) => {
        assert.ok(err instanceof DbshipError);
        assert.equal(err.code, 'MIGRATIONS_DIR_INVALID');
        assert.equal(err.exitCode, 5);
        assert.match(err.message, message);
        assert.ok(err.fix);
        return true;
      });
    });
  }
});

describe('expectedModel', () => {
  const users = {
    name: 'users', schema: '',
    columns: {
      id: { name: 'id', type: 'bigint', primaryKey: true, notNull: true, identity: { type: 'always', name: 'users_id_seq' } },
      n: { name: 'n', type: 'serial', primaryKey: false, notNull: true },
      email: { name: 'email', type: 'text', primaryKey: false, notNull: true, default: "'x'" },
      flag: { name: 'flag', type: 'boolean', primaryKey: false, notNull: false, default: false },
      mood: { name: 'mood', type: 'mood[]', typeSchema: 'public', primaryKey: false, notNull: false },
      old: { name: 'old', type: 'text', primaryKey: false, notNull: false, isUnique: true, uniqueName: 'users_old_unique' },
    },
    uniqueConstraints: { users_email_unique: { name: 'users_email_unique', columns: ['email'], nullsNotDistinct: false } },
    foreignKeys: { fk: { name: 'fk', tableFrom: 'users', tableTo: 'orgs', schemaTo: 'app', columnsFrom: ['n'], columnsTo: ['id'], onDelete: 'cascade' } },
  };
  const model = expectedModel(snapshot({ 'public.users': users }, { schemas: { app: 'app' } }) as never);
  const t = model.tables.get('public.users')!;

  it('reads identity and serial columns as their generation, with no default', () => {
    assert.deepEqual(t.columns.get('id'), { name: 'id', type: 'bigint', notNull: true, default: null, generation: 'always', generatedAs: null });
    assert.deepEqual(t.columns.get('n'), { name: 'n', type: 'integer', notNull: true, default: null, generation: 'serial', generatedAs: null });
  });

  it('keeps defaults as text, enum types with their schema', () => {
    assert.equal(t.columns.get('email')!.default, "'x'");
    assert.equal(t.columns.get('flag')!.default, 'false');
    assert.equal(t.columns.get('mood')!.type, 'enum public.mood[]');
  });

  it('reads column-level primary keys without a name, and both forms of unique', () => {
    assert.deepEqual(t.primaryKey, { name: null, columns: ['id'] });
    assert.deepEqual([...t.uniques.keys()].sort(), ['users_email_unique', 'users_old_unique']);
  });

  it('qualifies foreign key targets and fills in the default action', () => {
    assert.deepEqual(t.foreignKeys.get('fk'), { name: 'fk', columns: ['n'], refTable: 'app.orgs', refColumns: ['id'], onDelete: 'cascade', onUpdate: 'no action' });
  });

  it('scopes drift to public and the schemas the models use, never dbship or drizzle', () => {
    assert.deepEqual(driftScope(model), ['app', 'public']);
    assert.deepEqual(driftScope(expectedModel(snapshot({}, { schemas: { dbship: 'dbship', drizzle: 'drizzle' } }) as never)), ['public']);
    assert.deepEqual(driftScope(expectedModel(null)), ['public']);
  });
});
