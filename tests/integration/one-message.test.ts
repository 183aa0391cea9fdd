/**
 * A transactional migration travels as one message with its tracking and audit rows (see
 * runtime/apply.ts). What the message must keep: statements that end in a `--` comment or hold
 * semicolons in strings, the recorded host and image exactly as given (quotes and backslashes
 * included, whatever `standard_conforming_strings` says), one duration in both rows, and the
 * statement-by-statement report when something fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cliEnv, runCliProcess, writeMigrations } from '../helpers/migrations.js';

describe('a transactional migration applied as one message', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('one_message');
  });
  after(async () => db.drop());

  it('keeps comments, strings and the exact host and image in its record', async () => {
    const dir = writeMigrations([
      { name: 'notes', sql: "CREATE TABLE notes (id int PRIMARY KEY, body text); -- the table\nINSERT INTO notes VALUES (1, 'a; b -- not a comment')\n-- a last comment, no newline after it" },
      { name: 'strings_off', sql: "SET standard_conforming_strings = off;\nINSERT INTO notes VALUES (2, 'two');" },
      { name: 'more', sql: "INSERT INTO notes VALUES (3, $$three; 'quoted'$$);" },
    ]);
    const host = "pod-o'brien\\a";
    const image = "registry/app:1.0 'x' \\n";
    const r = await runCliProcess(['upgrade'], cliEnv(db.url, dir, { HOSTNAME: host, DBSHIP_IMAGE: image }));
    assert.equal(r.code, 0, r.stderr);
    const notes = await db.query<{ id: number; body: string }>('SELECT id, body FROM notes ORDER BY id');
    assert.deepEqual(notes.rows, [{ id: 1, body: 'a; b -- not a comment' }, { id: 2, body: 'two' }, { id: 3, body: "three; 'quoted'" }]);
    const rows = await db.query<{ name: string; applied_by: string; image: string; duration_ms: number; kind: string }>(
      'SELECT name, applied_by, image, duration_ms, kind FROM dbship.migrations ORDER BY seq');
    const history = await db.query<{ name: string; by_host: string; image: string; duration_ms: number; action: string }>(
      'SELECT name, by_host, image, duration_ms, action FROM dbship.history ORDER BY id');
    assert.deepEqual(rows.rows.map((x) => x.name), ['0000_notes', '0001_strings_off', '0002_more']);
    assert.deepEqual(history.rows.map((x) => [x.name, x.action]), [['0000_notes', 'apply'], ['0001_strings_off', 'apply'], ['0002_more', 'apply']]);
    for (const [i, row] of rows.rows.entries()) {
      assert.equal(row.applied_by, host);
      assert.equal(row.image, image);
      assert.equal(row.kind, 'applied');
      assert.ok(Number.isInteger(row.duration_ms) && row.duration_ms >= 0, `duration ${row.duration_ms}`);
      assert.equal(history.rows[i]!.by_host, host);
      assert.equal(history.rows[i]!.image, image);
      assert.equal(history.rows[i]!.duration_ms, row.duration_ms, 'both rows carry the same duration');
    }
  });

  it('a failure leaves nothing of the migration and names its statement, line and caret', async () => {
    const dir = writeMigrations([
      { name: 'fails', sql: 'CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\nINSERT INTO half VALUES (1 / 0);\n' },
    ]);
    const fresh = await createTestDatabase('one_message_fails');
    try {
      await failsWholly(fresh, dir);
    } finally {
      await fresh.drop();
    }
  });
});

/** Upgrades `db` with the failing folder `dir` and checks what it reports and leaves. */
async function failsWholly(db: TestDatabase, dir: string): Promise<void> {
  const r = await runCliProcess(['upgrade'], cliEnv(db.url, dir));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /0000_fails\.sql:3:/);
  assert.match(r.stderr, /division by zero/);
  assert.match(r.stderr, /\| INSERT INTO half VALUES \(1 \/ 0\);/);
  const left = await db.query("SELECT to_regclass('public.half') AS t");
  assert.equal(left.rows[0]!.t, null, 'the table of the failed migration was rolled back');
  const recorded = await db.query("SELECT count(*)::int AS n FROM dbship.history WHERE name = '0000_fails'");
  assert.equal(recorded.rows[0]!.n, 0);
}
