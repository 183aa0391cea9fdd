import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { mentionsColumn, renameColumnIn } from '../../packages/dbship/src/migrator/generate/online-column-refs.js';
import { createIndexSql, tempName } from '../../packages/dbship/src/migrator/generate/online-index.js';
import { loadParser } from '../../packages/dbship/src/migrator/sql/split.js';

describe('online rename: column references in expressions (parser AST)', () => {
  before(() => loadParser());

  it('rewrites only the references to the column, qualified by the table or not', () => {
    const cases: Array<[string, string | null]> = [
      [`"users"."email" like '%@%'`, `"users"."email_address" like '%@%'`],
      [`email <> 'email' AND lower(email) = email`, `"email_address" <> 'email' AND lower("email_address") = "email_address"`],
      [`public.users.email IS NOT NULL`, `public.users."email_address" IS NOT NULL`],
      [`"emailx" > 'a' AND users . "email" > ''`, `"emailx" > 'a' AND users . "email_address" > ''`],
      [`"é" = 'x' AND email = 'é'`, `"é" = 'x' AND "email_address" = 'é'`],
      [`other.email = 'x'`, null],
      [`email IN (SELECT 1)`, null],
      [`email = 'x'; DROP TABLE users`, null],
      [`email =`, null],
    ];
    for (const [from, to] of cases) assert.equal(renameColumnIn(from, 'users', 'email', 'email_address'), to, from);
  });

  it('tells whether an expression names the column; a string that spells it does not', () => {
    assert.equal(mentionsColumn(`status = 'email'`, 'email'), false);
    assert.equal(mentionsColumn(`lower("email")`, 'email'), true);
    assert.equal(mentionsColumn(`not valid sql (`, 'email'), true, 'unparsable: assumed to');
  });

  it('renders a concurrent index with its options and a temporary name within 63 bytes', () => {
    const t = { schema: 'public', table: 'users', key: 'public.users' };
    const index = { name: 'i', isUnique: false, method: 'btree', where: `"users"."x" > 0`, with: { fillfactor: 70 }, columns: [{ expression: 'a', isExpression: false, asc: false, nulls: 'last', opclass: 'text_pattern_ops' }, { expression: 'lower("b")', isExpression: true, asc: true, nulls: 'last' }] };
    assert.equal(createIndexSql(t, index, 'tmp', { concurrently: true }), `CREATE INDEX CONCURRENTLY IF NOT EXISTS "tmp" ON "public"."users" USING btree ("a" text_pattern_ops DESC NULLS LAST, lower("b")) WITH (fillfactor = 70) WHERE "users"."x" > 0;`);
    assert.equal(tempName('users_email_unique'), 'dbship_new_users_email_unique');
    assert.ok(Buffer.byteLength(tempName('x'.repeat(60))) <= 63);
  });
});
