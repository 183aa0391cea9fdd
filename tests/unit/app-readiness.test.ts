import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadinessProbe } from '../../src/app/health/readiness-probe.js';
import { failureReason, type SchemaReadiness } from '../../packages/dbship/src/migrator/runtime/readiness.js';

const READY: SchemaReadiness = { ready: true, migration: '0001_add_user_bio' };
const PENDING: SchemaReadiness = { ready: false, reason: 'migration 0001_add_user_bio not applied yet (database has 0000_init)' };

/** A check whose answers the test controls, counting calls. */
function scripted(...answers: SchemaReadiness[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    check: async () => answers[Math.min(calls++, answers.length - 1)]!,
  };
}

describe('ReadinessProbe', () => {
  it('reuses an answer within the interval and checks again after it', async () => {
    let now = 1_000;
    const s = scripted(PENDING, READY);
    const probe = new ReadinessProbe(s.check, { ttlMs: 1_000, now: () => now });
    assert.deepEqual(await probe.current(), PENDING);
    now += 999;
    assert.deepEqual(await probe.current(), PENDING);
    assert.equal(s.calls, 1);
    now += 1;
    assert.deepEqual(await probe.current(), READY);
    assert.equal(s.calls, 2);
  });

  it('keeps checking once ready: a restore can take the schema backwards', async () => {
    let now = 0;
    const s = scripted(READY, PENDING);
    const probe = new ReadinessProbe(s.check, { ttlMs: 1_000, now: () => now });
    assert.equal((await probe.current()).ready, true);
    now += 1_000;
    assert.deepEqual(await probe.current(), PENDING);
  });

  it('shares one check among concurrent callers', async () => {
    let release!: () => void;
    let calls = 0;
    const probe = new ReadinessProbe(() => {
      calls++;
      return new Promise<SchemaReadiness>((resolve) => (release = () => resolve(READY)));
    }, { ttlMs: 0 });
    const answers = Array.from({ length: 50 }, () => probe.current());
    release();
    assert.ok((await Promise.all(answers)).every((a) => a.ready));
    assert.equal(calls, 1);
  });

  it('answers "not ready" when the check hangs, and does not start a second check meanwhile', async () => {
    let calls = 0;
    const probe = new ReadinessProbe(() => {
      calls++;
      return new Promise<SchemaReadiness>(() => {});
    }, { ttlMs: 0, timeoutMs: 20 });
    assert.deepEqual(await probe.current(), { ready: false, reason: 'database did not answer within 20 ms' });
    assert.equal((await probe.current()).ready, false);
    assert.equal(calls, 1);
  });

  it('turns a throwing check into "not ready"', async () => {
    const probe = new ReadinessProbe(async () => {
      throw new Error('pool is ending');
    }, { ttlMs: 0 });
    assert.deepEqual(await probe.current(), { ready: false, reason: 'readiness check failed: pool is ending' });
  });

  it('says "shutting down" once draining, without asking the database', async () => {
    const s = scripted(READY);
    const probe = new ReadinessProbe(s.check, { ttlMs: 0 });
    assert.equal((await probe.current()).ready, true);
    probe.beginShutdown();
    assert.deepEqual(await probe.current(), { ready: false, reason: 'shutting down' });
    assert.equal(s.calls, 1);
  });

  it('reports changes only, including a change of reason', async () => {
    const unreachable: SchemaReadiness = { ready: false, reason: 'database unreachable: connection refused' };
    const s = scripted(unreachable, unreachable, PENDING, PENDING, READY, READY);
    const seen: SchemaReadiness[] = [];
    const probe = new ReadinessProbe(s.check, { ttlMs: 0, onChange: (state) => seen.push(state) });
    for (let i = 0; i < 6; i++) await probe.current();
    probe.beginShutdown();
    assert.deepEqual(seen, [unreachable, PENDING, READY, { ready: false, reason: 'shutting down' }]);
  });
});

describe('failureReason', () => {
  const err = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  const cases: [string, unknown, string][] = [
    ['tracking table missing (42P01)', err('42P01'), 'no migrations applied: the dbship tracking table does not exist'],
    ['tracking schema missing (3F000)', err('3F000'), 'no migrations applied: the dbship tracking table does not exist'],
    ['app role may not read it (42501)', err('42501'), "permission denied reading dbship.migrations: grant the app's role USAGE on schema dbship and SELECT on dbship.migrations"],
    ['connection refused', err('ECONNREFUSED'), 'database unreachable: connection refused (server not running or not listening yet)'],
    ['wrong password (28P01)', err('28P01'), 'database unreachable: password authentication failed'],
    ['database missing (3D000)', err('3D000'), 'database unreachable: the database does not exist'],
    ['server shutting down (57P01)', err('57P01'), 'database unreachable: SQLSTATE 57P01'],
    ['connection lost', new Error('Connection terminated unexpectedly'), 'database unreachable: Connection terminated unexpectedly'],
    ['some other SQL error', err('XX000'), 'readiness query failed (SQLSTATE XX000)'],
  ];
  for (const [title, e, reason] of cases) it(title, () => assert.equal(failureReason(e), reason));

  it('never repeats a connection string', () => {
    const reason = failureReason(new Error('getaddrinfo failed for postgres://app:hunter2@db:5432/app'));
    assert.ok(!reason.includes('hunter2'), reason);
  });
});
