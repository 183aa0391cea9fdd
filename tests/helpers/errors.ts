import assert from 'node:assert/strict';
import { DbshipError } from '../../packages/dbship/src/errors.js';

/** Awaits `promise`, asserting it rejects with a DbshipError of `code`; returns that error. */
export async function expectError(promise: Promise<unknown>, code: string): Promise<DbshipError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DbshipError, `expected DbshipError, got ${String(err)}`);
    assert.equal(err.code, code, err.format());
    return err;
  }
  assert.fail(`expected ${code}`);
}
