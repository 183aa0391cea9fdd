import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeCursor, encodeCursor } from '../../src/app/users/cursor.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

describe('pagination cursors', () => {
  it('decode(encode(id)) === id for every safe positive id', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (id) => decodeCursor(encodeCursor(id)) === id));
  });

  it('is URL-safe text', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (id) => /^[A-Za-z0-9_-]+$/.test(encodeCursor(id))));
  });

  const rejected: [string, string][] = [
    ['', 'empty'],
    ['42', 'a bare id'],
    [b64('u1:'), 'no id'],
    [b64('u1:0'), 'id 0'],
    [b64('u1:-5'), 'negative id'],
    [b64('u1:007'), 'leading zeros'],
    [b64('u1:1.5'), 'fraction'],
    [b64('u1:9007199254740993'), 'beyond the safe integer range'],
    [b64('u2:5'), 'another version'],
    [b64('u1:5 '), 'trailing space'],
    [`${encodeCursor(5)}=`, 'padded spelling of a valid cursor'],
    ['!!!', 'not base64url'],
  ];
  for (const [cursor, why] of rejected) it(`rejects ${why}`, () => assert.equal(decodeCursor(cursor), null));
});
