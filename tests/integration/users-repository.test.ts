/**
 * `UsersRepository.get` runs drizzle's SQL on the pool and maps the row itself (the request path's
 * hottest query, see repository.ts): it must return exactly what drizzle's own select returns, for
 * every column of the model, so a column added to the model without the mapping fails here.
 */
import assert from 'node:assert/strict';
import { eq, getTableColumns } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { after, before, describe, it } from 'node:test';
import { users } from '../../src/db/schema.js';
import { UsersRepository } from '../../src/app/users/repository.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

describe('UsersRepository.get', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('users_repository');
  });
  after(async () => t.close());

  it('returns what drizzle selects, every column, with the same types', async () => {
    const repository = new UsersRepository(t.pool);
    const created = await repository.create({ email: 'mapped@example.org', name: 'Mapped', bio: 'a bio' });
    const bare = await repository.create({ email: 'bare@example.org' });
    const db = drizzle({ client: t.pool });
    for (const user of [created, bare]) {
      const [expected] = await db.select().from(users).where(eq(users.id, user.id));
      const got = await repository.get(user.id);
      assert.deepEqual(got, expected);
      assert.deepEqual(Object.keys(got!).sort(), Object.keys(getTableColumns(users)).sort());
      assert.equal(typeof got!.id, 'number');
      assert.ok(got!.createdAt instanceof Date && got!.updatedAt instanceof Date);
    }
    assert.equal(await repository.get(created.id + bare.id + 1000), null);
  });
});
