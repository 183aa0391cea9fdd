import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeCursor } from '../../src/app/users/cursor.js';
import { json, startTestApp, type TestApp } from '../helpers/app.js';

interface Page {
  items: { id: number; email: string }[];
  nextCursor: string | null;
}

const USERS = 45;

describe('GET /users pagination', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('app_pages');
    await t.db.query(`INSERT INTO users (email) SELECT 'page' || i || '@example.org' FROM generate_series(1, ${USERS}) AS i`);
  });
  after(async () => t.close());

  const list = async (query: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/users${query}` });
    return { status: res.statusCode, body: json<Page & { error?: { code: string } }>(res) };
  };
  const allIds = async () => (await t.db.query<{ id: string }>('SELECT id FROM users ORDER BY id')).rows.map((r) => Number(r.id));

  async function walk(limit: number): Promise<Page[]> {
    const pages: Page[] = [];
    let after: string | null = null;
    for (let i = 0; i <= USERS; i++) {
      const { status, body } = await list(`?limit=${limit}${after ? `&after=${after}` : ''}`);
      assert.equal(status, 200, JSON.stringify(body));
      pages.push(body);
      after = body.nextCursor;
      if (after === null) return pages;
    }
    assert.fail('the walk did not end');
  }

  for (const limit of [1, 7, 10, 45, 100]) {
    it(`limit ${limit}: every user exactly once, in id order, full pages until the last`, async () => {
      const pages = await walk(limit);
      const ids = pages.flatMap((p) => p.items.map((u) => u.id));
      assert.deepEqual(ids, await allIds());
      assert.equal(pages.length, Math.max(1, Math.ceil(USERS / limit)));
      for (const p of pages.slice(0, -1)) assert.equal(p.items.length, limit);
      assert.equal(pages.at(-1)!.nextCursor, null);
    });
  }

  it('default page size is 20', async () => {
    const { body } = await list('');
    assert.equal(body.items.length, 20);
    assert.notEqual(body.nextCursor, null);
  });

  it('neither skips nor repeats when rows are deleted and inserted between pages', async () => {
    const first = (await list('?limit=10')).body;
    const boundary = first.items.at(-1)!.id;
    // The row the cursor points at disappears, and a new row arrives (at the end, by id).
    await t.db.query('DELETE FROM users WHERE id = $1', [boundary]);
    await t.db.query("INSERT INTO users (email) VALUES ('late@example.org')");
    const rest: number[] = [];
    let after = first.nextCursor;
    while (after !== null) {
      const { body } = await list(`?limit=10&after=${after}`);
      rest.push(...body.items.map((u) => u.id));
      after = body.nextCursor;
    }
    const expected = (await allIds()).filter((id) => id > boundary);
    assert.deepEqual(rest, expected);
    assert.equal(new Set([...first.items.map((u) => u.id), ...rest]).size, first.items.length + rest.length);
  });

  it('an empty page past the end has no next cursor', async () => {
    const last = Math.max(...(await allIds()));
    const { status, body } = await list(`?after=${encodeCursor(last)}`);
    assert.equal(status, 200);
    assert.deepEqual(body, { items: [], nextCursor: null });
  });

  const refused: [string, string, string][] = [
    ['?limit=0', 'VALIDATION_FAILED', 'query/limit'],
    ['?limit=101', 'VALIDATION_FAILED', 'query/limit'],
    ['?limit=-5', 'VALIDATION_FAILED', 'query/limit'],
    ['?limit=ten', 'VALIDATION_FAILED', 'query/limit'],
    ['?limit=2.5', 'VALIDATION_FAILED', 'query/limit'],
    ['?after=', 'VALIDATION_FAILED', 'query/after'],
    ['?after=not%20base64', 'VALIDATION_FAILED', 'query/after'],
    ['?after=NDI', 'INVALID_CURSOR', 'query/after'],
    [`?after=${Buffer.from('u1:0').toString('base64url')}`, 'INVALID_CURSOR', 'query/after'],
    ['?page=2', 'VALIDATION_FAILED', 'query/page'],
  ];
  for (const [query, code, path] of refused) {
    it(`400 ${code} for ${query}`, async () => {
      const res = await t.app.inject({ method: 'GET', url: `/users${query}` });
      assert.equal(res.statusCode, 400, res.body);
      const body = json<{ error: { code: string; details?: { path: string }[] } }>(res);
      assert.equal(body.error.code, code);
      assert.deepEqual(body.error.details?.map((d) => d.path), [path]);
    });
  }
});
