import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeDb } from '../../packages/dbship/src/config/db-connection.js';
import { parseDuration } from '../../packages/dbship/src/config/reader.js';
import { loadConfig } from '../../src/config.js';
import { DbshipError } from '../../packages/dbship/src/errors.js';

const load = (env: Record<string, string>) => loadConfig({ env, readDotEnv: false, cwd: '/srv/app' });

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (err) {
    assert.ok(err instanceof DbshipError);
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.equal(err.exitCode, 2);
    return [...err.details];
  }
  assert.fail('expected a configuration error');
}

describe('loadConfig', () => {
  it('uses defaults and no database when nothing is set', () => {
    const c = load({});
    assert.equal(c.db, null);
    assert.deepEqual(c.http, { host: '0.0.0.0', port: 8000 });
    assert.equal(c.logLevel, 'info');
    assert.equal(c.migrations.dir, '/srv/app/migrations');
    // Short attempts: an app query waits at most this long behind a migration waiting for its lock.
    assert.equal(c.engine.migrations.lockTimeoutMs, 300);
    assert.equal(c.engine.migrations.lockRetryBudgetMs, 120_000);
    assert.equal(c.engine.migrations.idleInTransactionTimeoutMs, 10_000);
    assert.equal(c.dbStatementTimeoutMs, 5_000);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.migrations));
  });

  it('reads DB_* variables with the original names', () => {
    const c = load({ DB_HOST: 'pg', DB_NAME: 'app', DB_USER: 'u', DB_PASS: 'p', DB_PORT: '6543' });
    assert.deepEqual(c.db, { host: 'pg', port: 6543, database: 'app', user: 'u', password: 'p', ssl: 'disable' });
    assert.equal(c.engine.db?.user, 'u');
  });

  it('reads DATABASE_URL and separate migration credentials', () => {
    const c = load({ DATABASE_URL: 'postgres://app:s%40cret@db.internal:5433/shop?sslmode=require', MIGRATE_DB_USER: 'owner', MIGRATE_DB_PASS: 'x' });
    assert.equal(c.db?.password, 's@cret');
    assert.equal(c.db?.ssl, 'require');
    assert.deepEqual([c.engine.db?.user, c.engine.db?.password, c.engine.db?.database], ['owner', 'x', 'shop']);
    assert.equal(describeDb(c.db!), 'postgres://app@db.internal:5433/shop');
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ DB_HOST: 'pg', PORT: 'eighty', LOG_LEVEL: 'loud', MIGRATE_LOCK_TIMEOUT: 'soon', MIGRATE_STRICT: 'maybe' });
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.match(problems.join('\n'), /DB_NAME, DB_USER must be set/);
    assert.match(problems.join('\n'), /PORT must be a whole number/);
    assert.match(problems.join('\n'), /LOG_LEVEL must be one of/);
  });

  it('never echoes a password, even from a malformed URL', () => {
    let message = '';
    try {
      load({ DATABASE_URL: 'mysql://root:hunter2@h/db', DB_PASS: 'hunter2' });
    } catch (err) {
      message = (err as DbshipError).format();
    }
    assert.match(message, /DATABASE_URL must start with postgres/);
    assert.doesNotMatch(message, /hunter2/);
  });

  it('parses durations', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('5s'), 5000);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1500'), 1500);
    assert.equal(parseDuration('soon'), undefined);
  });
});
