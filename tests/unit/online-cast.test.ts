import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { castPlan, parseUsing, parseZone } from '../../packages/dbship/src/migrator/generate/online-cast.js';

const X = '"c"';

describe('castPlan: how an online type change converts values', () => {
  const unguarded: Array<[string, string, string, string]> = [
    ['smallint', 'integer', '"c"::integer', '"c"::smallint'],
    ['integer', 'bigint', '"c"::bigint', '"c"::integer'],
    ['varchar(20)', 'varchar(80)', '"c"::varchar(80)', '"c"::varchar(20)'],
    ['varchar(20)', 'text', '"c"::text', '"c"::varchar(20)'],
  ];
  for (const [from, to, forward, backward] of unguarded) {
    it(`widens ${from} -> ${to} with a plain cast and no guard`, () => {
      const plan = castPlan(from, to);
      assert.equal(plan.forward(X), forward);
      assert.equal(plan.backward(X), backward);
      assert.equal(plan.guard, undefined);
    });
  }

  const guarded: Array<[string, string, string]> = [
    ['text', 'varchar(20)', 'char_length("c") <= 20'],
    ['varchar', 'varchar(5)', 'char_length("c") <= 5'],
    ['varchar(80)', 'varchar(20)', 'char_length("c") <= 20'],
    ['bigint', 'integer', '"c" BETWEEN -2147483648 AND 2147483647'],
    ['bigint', 'smallint', '"c" BETWEEN -32768 AND 32767'],
    ['integer', 'smallint', '"c" BETWEEN -32768 AND 32767'],
  ];
  for (const [from, to, guard] of guarded) {
    it(`narrows ${from} -> ${to} behind the guard ${guard}; the down casts back plainly`, () => {
      const plan = castPlan(from, to);
      assert.equal(plan.guard?.(X), guard);
      assert.equal(plan.forward(X), `"c"::${to}`);
      assert.equal(plan.backward(X), `"c"::${from}`);
      assert.match(plan.note, /never truncated/);
    });
  }

  it('converts timestamp -> timestamptz and back with AT TIME ZONE in the zone given', () => {
    const plan = castPlan('timestamp', 'timestamp with time zone', { zone: 'Europe/Berlin' });
    assert.equal(plan.forward(X), `("c" AT TIME ZONE 'Europe/Berlin')`);
    assert.equal(plan.backward(X), `("c" AT TIME ZONE 'Europe/Berlin')`);
    assert.equal(plan.guard, undefined);
    assert.match(plan.note, /whatever the session's TimeZone/);
    const back = castPlan('timestamp (3) with time zone', 'timestamp (3)', { zone: 'UTC' });
    assert.equal(back.forward(X), `("c" AT TIME ZONE 'UTC')`);
    assert.equal(castPlan('timestamp (3)', 'timestamp with time zone', { zone: 'UTC' }).forward(X), `("c" AT TIME ZONE 'UTC')`);
  });

  it('refuses timestamp <-> timestamptz without a zone, a lower precision, a zone elsewhere, and unknown conversions', () => {
    assert.throws(() => castPlan('timestamp', 'timestamp with time zone'), (e: Error & { fix?: string }) => /needs --zone/.test(e.message) && /--zone UTC/.test(e.fix ?? ''));
    assert.throws(() => castPlan('timestamp', 'timestamp (3) with time zone', { zone: 'UTC' }), /lowers the precision/);
    assert.throws(() => castPlan('integer', 'bigint', { zone: 'UTC' }), /--zone does not apply to integer -> bigint/);
    assert.throws(() => castPlan('integer', 'text'), (e: Error & { fix?: string }) => /integer -> text is not supported yet/.test(e.message) && /--using/.test(e.fix ?? ''));
    assert.throws(() => castPlan('timestamp', 'date'), /not supported yet/);
  });

  it('takes the --using expression as the forward conversion, guarded by the new type\'s bound', async () => {
    const using = await parseUsing('left(name, 100)', 'name');
    const plan = castPlan('text', 'varchar(100)', { using });
    assert.equal(plan.forward('NEW."name"'), '(left(NEW."name", 100))::varchar(100)');
    assert.equal(plan.guard?.('"name"'), 'char_length((left("name", 100))) <= 100');
    assert.equal(plan.backward('"name"'), '"name"::text');
    const code = castPlan('text', 'integer', { using: await parseUsing(`nullif(code, '')::integer`, 'code') });
    assert.equal(code.forward('"code"'), `(nullif("code", '')::integer)::integer`);
    assert.equal(code.guard?.('"code"'), `(nullif("code", '')::integer) BETWEEN -2147483648 AND 2147483647`);
    const big = castPlan('text', 'bigint', { using: await parseUsing('length(code)', 'code') });
    assert.equal(big.guard, undefined);
  });
});

describe('parseUsing and parseZone', () => {
  it('cuts the expression at every reference to the column, plain or quoted, multi-byte text included', async () => {
    assert.deepEqual((await parseUsing(' left("name", 3) || NAME ', 'name')).parts, ['left(', ', 3) || ', '']);
    await assert.rejects(parseUsing('left("Name", 3)', 'name'), /invalid --using/);
    assert.deepEqual((await parseUsing(`'é' || "Name" || 'ü'`, 'Name')).parts, [`'é' || `, ` || 'ü'`]);
    assert.deepEqual((await parseUsing('coalesce(nick, email_of(nick))', 'nick')).parts, ['coalesce(', ', email_of(', '))']);
  });

  const bad: Array<[string, RegExp]> = [
    ['left(other, 3)', /must name the column nick and no other \(it names other\)/],
    ['users.nick', /must name the column nick and no other \(it names users\.nick\)/],
    ['42', /must name the column nick and no other \(it names none\)/],
    ['(SELECT max(nick) FROM users)', /subquery/],
    ['nick; DROP TABLE users', /not one SQL expression/],
    ['nick FROM users', /not one SQL expression/],
    ['left(nick, 3) -- shorter', /may not hold a comment/],
    ['nick || $dbship$x$dbship$', /\$dbship\$/],
    ['left(nick,', /not one SQL expression/],
  ];
  for (const [text, why] of bad) {
    it(`refuses --using ${text}`, async () => {
      await assert.rejects(parseUsing(text, 'nick'), (e: Error & { why?: string }) => /invalid --using/.test(e.message) && why.test(e.why ?? ''));
    });
  }

  it('accepts IANA zone names and refuses POSIX offsets and unknown names', () => {
    assert.equal(parseZone(' UTC '), 'UTC');
    assert.equal(parseZone('America/New_York'), 'America/New_York');
    for (const z of ['+02', 'UTC+2', "UTC'; DROP", 'Mars/Olympus']) assert.throws(() => parseZone(z), /invalid --zone/, z);
  });
});
