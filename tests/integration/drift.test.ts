import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DriftKind } from '../../packages/dbship/src/migrator/drift/index.js';
import { detectDrift } from '../../packages/dbship/src/migrator/drift/index.js';
import { upgrade } from '../../packages/dbship/src/migrator/upgrade.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { applyStatements, generateHistory, type GeneratedHistory } from '../helpers/drift-fixture.js';
import { cliEnv, ROOT, runCliProcess, tempDir } from '../helpers/migrations.js';

interface Scenario {
  readonly title: string;
  /** The manual change, statement by statement (some cannot share a transaction). */
  readonly change: string[];
  readonly undo: string[];
  readonly kind: DriftKind;
  readonly object: string;
  readonly message: RegExp;
}

const scenarios: Scenario[] = [
  {
    title: 'an added column', change: ['ALTER TABLE users ADD COLUMN x int'], undo: ['ALTER TABLE users DROP COLUMN x'],
    kind: 'extra-column', object: 'public.users.x', message: /^column public\.users\.x \(integer\) is in the database but not in the models$/,
  },
  {
    title: 'a dropped column', change: ['ALTER TABLE users DROP COLUMN bio'], undo: ['ALTER TABLE users ADD COLUMN bio text'],
    kind: 'missing-column', object: 'public.users.bio', message: /^column public\.users\.bio \(text\) is missing from the database/,
  },
  {
    title: 'a dropped NOT NULL', change: ['ALTER TABLE users ALTER COLUMN email DROP NOT NULL'], undo: ['ALTER TABLE users ALTER COLUMN email SET NOT NULL'],
    kind: 'column-nullability', object: 'public.users.email', message: /^column public\.users\.email is nullable in the database, NOT NULL in the models$/,
  },
  {
    title: 'a new default', change: ["ALTER TABLE users ALTER COLUMN name SET DEFAULT 'anon'"], undo: ['ALTER TABLE users ALTER COLUMN name DROP DEFAULT'],
    kind: 'column-default', object: 'public.users.name', message: /^column public\.users\.name: default is 'anon'::text in the database, none in the models$/,
  },
  {
    title: 'a type change', change: ['ALTER TABLE users ALTER COLUMN name TYPE varchar(200)'], undo: ['ALTER TABLE users ALTER COLUMN name TYPE text'],
    kind: 'column-type', object: 'public.users.name', message: /^column public\.users\.name: type is character varying\(200\) in the database, text in the models$/,
  },
  {
    title: 'a dropped index', change: ['DROP INDEX users_name_idx'], undo: ['CREATE INDEX users_name_idx ON users USING btree (name)'],
    kind: 'missing-index', object: 'public.users.users_name_idx', message: /^index users_name_idx on public\.users btree \(name\) is missing from the database/,
  },
  {
    title: 'an extra table', change: ['CREATE TABLE audit_log (id int)'], undo: ['DROP TABLE audit_log'],
    kind: 'extra-table', object: 'public.audit_log', message: /^table public\.audit_log is in the database but not in the models$/,
  },
  {
    title: 'a missing unique constraint', change: ['ALTER TABLE users DROP CONSTRAINT users_email_unique'], undo: ['ALTER TABLE users ADD CONSTRAINT users_email_unique UNIQUE (email)'],
    kind: 'missing-unique', object: 'public.users.users_email_unique', message: /^unique constraint users_email_unique on public\.users UNIQUE \(email\) is missing from the database/,
  },
  {
    title: 'an identity dropped', change: ['ALTER TABLE users ALTER COLUMN id DROP IDENTITY'], undo: ['ALTER TABLE users ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY'],
    kind: 'column-identity', object: 'public.users.id', message: /^column public\.users\.id: value generation is none in the database, GENERATED ALWAYS AS IDENTITY in the models$/,
  },
  {
    title: 'a changed foreign key action',
    change: ['ALTER TABLE refs DROP CONSTRAINT refs_org_id_orgs_id_fk', 'ALTER TABLE refs ADD CONSTRAINT refs_org_id_orgs_id_fk FOREIGN KEY (org_id) REFERENCES orgs (id) ON DELETE CASCADE'],
    undo: ['ALTER TABLE refs DROP CONSTRAINT refs_org_id_orgs_id_fk', 'ALTER TABLE refs ADD CONSTRAINT refs_org_id_orgs_id_fk FOREIGN KEY (org_id) REFERENCES orgs (id) ON DELETE RESTRICT'],
    kind: 'foreign-key', object: 'public.refs.refs_org_id_orgs_id_fk', message: /ON DELETE cascade ON UPDATE no action in the database, .*ON DELETE restrict ON UPDATE no action in the models$/,
  },
  {
    title: 'a foreign key added NOT VALID and never validated',
    change: ['ALTER TABLE refs DROP CONSTRAINT refs_org_id_orgs_id_fk', 'ALTER TABLE refs ADD CONSTRAINT refs_org_id_orgs_id_fk FOREIGN KEY (org_id) REFERENCES orgs (id) ON DELETE RESTRICT NOT VALID'],
    undo: ['ALTER TABLE refs VALIDATE CONSTRAINT refs_org_id_orgs_id_fk'],
    kind: 'unvalidated-constraint', object: 'public.refs.refs_org_id_orgs_id_fk', message: /is NOT VALID: .*; run ALTER TABLE public\.refs VALIDATE CONSTRAINT refs_org_id_orgs_id_fk$/,
  },
  {
    title: 'a changed check constraint',
    change: ['ALTER TABLE orgs DROP CONSTRAINT orgs_amount_positive', 'ALTER TABLE orgs ADD CONSTRAINT orgs_amount_positive CHECK (amount > 1)'],
    undo: ['ALTER TABLE orgs DROP CONSTRAINT orgs_amount_positive', 'ALTER TABLE orgs ADD CONSTRAINT orgs_amount_positive CHECK (amount > 0)'],
    kind: 'check', object: 'public.orgs.orgs_amount_positive', message: /^check constraint orgs_amount_positive on public\.orgs is CHECK \(amount > 1(::numeric)?\) in the database/,
  },
  {
    title: 'an index left INVALID by a failed CREATE INDEX CONCURRENTLY',
    change: [
      'DROP INDEX users_handle_key',
      "INSERT INTO users (email, handle) VALUES ('a@example.com', 'twin'), ('b@example.com', 'twin')",
      'CREATE UNIQUE INDEX CONCURRENTLY users_handle_key ON users USING btree (handle)',
    ],
    undo: ['DELETE FROM users', 'DROP INDEX users_handle_key', 'CREATE UNIQUE INDEX users_handle_key ON users USING btree (handle)'],
    kind: 'invalid-index', object: 'public.users.users_handle_key', message: /^index users_handle_key on public\.users is INVALID \(a failed CREATE INDEX CONCURRENTLY left it\)/,
  },
];

/** Runs statements one by one; a failure is expected only for CREATE INDEX CONCURRENTLY (it is the point). */
async function runAll(db: TestDatabase, statements: readonly string[]): Promise<void> {
  for (const s of statements) {
    if (/CONCURRENTLY/.test(s)) await assert.rejects(db.query(s), { code: '23505' });
    else await db.query(s);
  }
}

describe('drift against the live database', () => {
  let db: TestDatabase;
  let history: GeneratedHistory;
  before(async () => {
    db = await createTestDatabase('drift');
    history = await generateHistory();
    await applyStatements(db, history.statements);
  });
  after(async () => db.drop());

  it('finds no drift once the full history is applied, and says so', async () => {
    const report = await detectDrift(testConfig(db, history.dir));
    assert.deepEqual(report.differences, []);
    assert.match(report.snapshot ?? '', /meta\/0002_snapshot\.json$/);
    // Applied by hand, so the tracking table does not exist: all three count as pending.
    assert.deepEqual(report.pending, history.names);
    const cli = await runCliProcess(['drift'], cliEnv(db.url, history.dir));
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout, 'No drift\n');
    assert.match(cli.stderr, /compared with the models as of .*0002_snapshot\.json/);
    assert.match(cli.stderr, /3 migration\(s\) not applied yet/);
  });

  for (const s of scenarios) {
    it(`reports ${s.title}, and nothing else (exit 6; 0 for a warning)`, async () => {
      await runAll(db, s.change);
      try {
        const report = await detectDrift(testConfig(db, history.dir));
        assert.equal(report.differences.length, 1, JSON.stringify(report.differences, null, 2));
        const [d] = report.differences;
        assert.equal(d!.kind, s.kind);
        assert.equal(d!.object, s.object);
        assert.match(d!.message, s.message);
        const cli = await runCliProcess(['drift'], cliEnv(db.url, history.dir));
        // A warning (a constraint NOT VALID between its two releases) is printed but does not fail.
        const warning = d!.severity === 'warning';
        assert.equal(d!.severity, s.kind === 'unvalidated-constraint' ? 'warning' : 'error');
        assert.equal(cli.code, warning ? 0 : 6, cli.stderr);
        assert.deepEqual(cli.stdout.trimEnd().split('\n'), [warning ? `warning: ${d!.message}` : d!.message]);
      } finally {
        await runAll(db, s.undo);
      }
      assert.deepEqual((await detectDrift(testConfig(db, history.dir))).differences, [], 'the undo restored the schema');
    });
  }

  it('ignores the dbship and drizzle schemas and schemas the models do not use', async () => {
    await db.query('CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text)');
    await db.query('CREATE SCHEMA dbship_probe_other; CREATE TABLE dbship_probe_other.t (id int)');
    try {
      assert.deepEqual((await detectDrift(testConfig(db, history.dir))).differences, []);
    } finally {
      await db.query('DROP SCHEMA drizzle CASCADE; DROP SCHEMA dbship_probe_other CASCADE');
    }
  });

  it('prints the report as JSON with --json', async () => {
    await db.query('ALTER TABLE users ADD COLUMN x int');
    try {
      const cli = await runCliProcess(['drift', '--json'], cliEnv(db.url, history.dir));
      assert.equal(cli.code, 6, cli.stderr);
      const report = JSON.parse(cli.stdout);
      assert.deepEqual(report.differences, [{
        kind: 'extra-column', severity: 'error', object: 'public.users.x', expected: null, actual: 'integer',
        message: 'column public.users.x (integer) is in the database but not in the models',
      }]);
    } finally {
      await db.query('ALTER TABLE users DROP COLUMN x');
    }
  });

  it('with no snapshot expects an empty public schema, and leaves other schemas alone', async () => {
    const empty = tempDir('dbship-drift-empty-');
    const report = await detectDrift(testConfig(db, empty));
    assert.equal(report.snapshot, null);
    const kinds = new Set(report.differences.map((d) => d.kind));
    assert.deepEqual([...kinds].sort(), ['extra-enum', 'extra-sequence', 'extra-table']);
    assert.deepEqual(report.differences.filter((d) => d.kind === 'extra-table').map((d) => d.object), ['public.orgs', 'public.refs', 'public.users']);
    assert.ok(!report.differences.some((d) => d.object.startsWith('app.')), 'schema app is not in scope without a snapshot');
  });
});

describe('drift on a fresh database', () => {
  let db: TestDatabase;
  before(async () => (db = await createTestDatabase('drift_fresh')));
  after(async () => db.drop());

  it('finds no drift with no snapshot and no tables (exit 0)', async () => {
    const cli = await runCliProcess(['drift'], cliEnv(db.url, tempDir('dbship-drift-none-')));
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout, 'No drift\n');
    assert.match(cli.stderr, /no snapshot in the migrations folder/);
  });

  const committed = path.join(ROOT, 'migrations');
  const hasHistory = existsSync(path.join(committed, 'meta', '_journal.json'));
  it('finds no drift after `upgrade` applies the committed migrations', { skip: hasHistory ? false : 'no committed migrations yet' }, async () => {
    const config = testConfig(db, committed);
    await upgrade(config);
    const report = await detectDrift(config);
    assert.deepEqual(report.differences, []);
    assert.deepEqual(report.pending, []);
  });
});

describe('drift without a reachable database', () => {
  it('exits 3 with DB_UNREACHABLE and never shows the password', async () => {
    const dir = tempDir('dbship-drift-unreachable-');
    const cli = await runCliProcess(['drift'], cliEnv('postgres://dbship:s3cret-pw@127.0.0.1:1/nowhere', dir));
    assert.equal(cli.code, 3, cli.stderr);
    assert.match(cli.stderr, /error\[DB_UNREACHABLE\]: cannot connect to postgres:\/\/dbship@127\.0\.0\.1:1\/nowhere/);
    assert.doesNotMatch(cli.stdout + cli.stderr, /s3cret-pw/);
  });
});
