import assert from 'node:assert/strict';
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../packages/dbship/src/cli/run.js';
import { check, type CheckProblemKind } from '../../packages/dbship/src/migrator/generate/check.js';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { tempDir } from '../helpers/migrations.js';
import { makeProject, NOW, usersModel, type Project } from '../helpers/generate-fixture.js';

async function cli(project: Project, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { env: { MIGRATIONS_DIR: project.dir }, cwd: project.root, stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const kinds = (r: { problems: { kind: CheckProblemKind }[] }) => r.problems.map((p) => p.kind);

describe('check', () => {
  it('passes on the committed history with the committed models (one summary line, exit 0)', async () => {
    const p = makeProject({ history: true });
    const r = await cli(p, ['check', '--schema', p.models(usersModel())]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^check: ok: 2 migration\(s\) up to 0001_add_user_bio; models in sync/);
    assert.equal(r.stdout.split('\n').length, 1);
  });

  it('a model change without its migration: exit 6 naming the column and the command; after generate: exit 0', async () => {
    const p = makeProject({ history: true });
    const models = usersModel({ columns: ["nickname: text('nickname'),"] });
    const r = await cli(p, ['check', '--schema', p.models(models)]);
    assert.equal(r.code, 6);
    assert.match(r.stderr, /problem\[models-out-of-sync\]/);
    assert.match(r.stderr, /column "public.users"."nickname" added \(text, nullable\)/);
    assert.match(r.stderr, /ALTER TABLE "users" ADD COLUMN "nickname" text;/);
    assert.match(r.stderr, /npm run db -- generate --name/);
    await generate({ dir: p.dir, name: 'add_user_nickname', schemaPath: p.models(models), now: NOW });
    const after = await cli(p, ['check', '--schema', p.models(models)]);
    assert.equal(after.code, 0, after.stderr);
  });

  it('--json lists the problems for machines', async () => {
    const p = makeProject({ history: true });
    const r = await cli(p, ['check', '--json', '--schema', p.models(usersModel({ bio: false }))]);
    assert.equal(r.code, 6);
    const report = JSON.parse(r.stdout) as { ok: boolean; problems: { kind: string; details: string[] }[] };
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems.map((x) => x.kind), ['models-out-of-sync']);
    assert.ok(report.problems[0]!.details.includes('column "public.users"."bio" removed'));
  });

  it('a rename in the models is reported, not prompted for', async () => {
    const p = makeProject({ history: true });
    const r = await check({ dir: p.dir, schemaPath: p.models(usersModel().replace("bio: text('bio')", "about: text('about')")) });
    assert.deepEqual(kinds(r), ['rename-ambiguity']);
    assert.match(r.problems[0]!.details[0]!, /removed "bio"; added "about"/);
  });

  it('two branches generated from the same parent: a collision naming both, and how to resolve it', async () => {
    const base = makeProject({ history: true });
    const ours = path.join(tempDir('dbship-branch-'), 'migrations');
    cpSync(base.dir, ours, { recursive: true });
    const theirsModels = usersModel({ columns: ["nickname: text('nickname'),"] });
    const oursModels = usersModel({ columns: ["nickname: text('nickname'),", "avatar: text('avatar'),"] });
    await generate({ dir: base.dir, name: 'add_nickname', schemaPath: base.models(theirsModels), now: NOW });
    await generate({ dir: ours, name: 'add_avatar', schemaPath: base.models(usersModel({ columns: ["avatar: text('avatar'),"] })), now: NOW });
    // The merge a developer might make: keep theirs as 0002, renumber ours to 0003.
    for (const [from, to] of [['0002_add_avatar.sql', '0003_add_avatar.sql'], ['0002_add_avatar.down.sql', '0003_add_avatar.down.sql'], ['meta/0002_snapshot.json', 'meta/0003_snapshot.json']]) {
      renameSync(path.join(ours, from!), path.join(base.dir, to!));
    }
    const journal = JSON.parse(base.read('meta/_journal.json')) as { entries: object[] };
    journal.entries.push({ idx: 3, version: '7', when: NOW() + 1, tag: '0003_add_avatar', breakpoints: true });
    writeFileSync(path.join(base.dir, 'meta/_journal.json'), JSON.stringify(journal, null, 2));
    const r = await check({ dir: base.dir, schemaPath: base.models(oursModels) });
    // The newest snapshot (ours) lacks their column, so the merged models differ from it too.
    assert.deepEqual(kinds(r), ['snapshot-collision', 'models-out-of-sync']);
    assert.match(r.problems[0]!.message, /0002_add_nickname and 0003_add_avatar were all generated from 0001_add_user_bio/);
    assert.match(r.problems[0]!.fix, /delete your branch's migration[\s\S]*generate --name <yours>` again/);
  });

  it('a migration without a down file that is not marked irreversible', async () => {
    const p = makeProject({ history: true });
    rmSync(path.join(p.dir, '0001_add_user_bio.down.sql'));
    const r = await check({ dir: p.dir, schemaPath: p.models(usersModel()) });
    assert.deepEqual(kinds(r), ['down-missing']);
    assert.match(r.problems[0]!.message, /0001_add_user_bio has no down file/);
    writeFileSync(path.join(p.dir, '0001_add_user_bio.down.sql'), '-- dbship:irreversible the column holds user data\n');
    assert.deepEqual(kinds(await check({ dir: p.dir, schemaPath: p.models(usersModel()) })), []);
  });

  it('the journal and the files disagree', async () => {
    const p = makeProject({ history: true });
    writeFileSync(path.join(p.dir, '0002_stray.sql'), 'SELECT 1;');
    const r = await check({ dir: p.dir, schemaPath: p.models(usersModel()) });
    assert.deepEqual(kinds(r), ['journal']);
    assert.ok(r.problems[0]!.details.some((d) => d.includes('0002_stray.sql is not listed')));
  });

  it('a broken snapshot chain and a missing snapshot', async () => {
    const p = makeProject({ history: true });
    const file = path.join(p.dir, 'meta/0001_snapshot.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"prevId": "[^"]+"/, '"prevId": "11111111-1111-1111-1111-111111111111"'));
    const broken = await check({ dir: p.dir, schemaPath: p.models(usersModel()) });
    assert.deepEqual(kinds(broken), ['snapshot-chain']);
    assert.match(broken.problems[0]!.message, /0001_add_user_bio does not follow 0000_init/);
    rmSync(file);
    const missing = await check({ dir: p.dir, schemaPath: p.models(usersModel()) });
    assert.deepEqual(kinds(missing), ['snapshot-missing']);
  });

  it('a snapshot broken by a merge conflict is reported, and the models are not diffed against it', async () => {
    const p = makeProject({ history: true });
    writeFileSync(path.join(p.dir, 'meta/0001_snapshot.json'), '<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> theirs\n');
    const r = await check({ dir: p.dir, schemaPath: p.models(usersModel()) });
    assert.deepEqual(kinds(r), ['snapshot-unreadable']);
    assert.match(r.problems[0]!.message, /0001_snapshot.json is not a readable JSON snapshot/);
  });

  it('lint errors in a committed migration', async () => {
    const p = makeProject({ history: true });
    await generate({ dir: p.dir, name: 'data_fix', schemaPath: p.models(usersModel()), custom: true, now: NOW });
    writeFileSync(path.join(p.dir, '0002_data_fix.sql'), 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\nCREATE INDEX users_name_idx ON users (name);\n');
    const r = await check({ dir: p.dir, schemaPath: p.models(usersModel()) });
    assert.ok(kinds(r).length >= 1 && kinds(r).every((k) => k === 'lint'), JSON.stringify(r.problems));
    assert.ok(r.problems.some((x) => /create-index-without-concurrently/.test(x.message)));
  });

  it('regression: check printed lint findings in a format of its own; it prints them as lint does', async () => {
    const p = makeProject({ history: true });
    await generate({ dir: p.dir, name: 'data_fix', schemaPath: p.models(usersModel()), custom: true, now: NOW });
    writeFileSync(path.join(p.dir, '0002_data_fix.sql'), 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n');
    const checked = await cli(p, ['check', '--schema', p.models(usersModel())]);
    const linted = await cli(p, ['lint']);
    assert.equal(checked.code, 6, checked.stderr);
    const finding = linted.stdout.split('\n');
    assert.match(finding[0]!, /^migrations\/0002_data_fix\.sql:1:1  error  set-not-null  /);
    assert.deepEqual(finding.map((l) => l.slice(0, 7)), ['migrati', '  why: ', '  fix: ']);
    const at = checked.stderr.split('\n').indexOf(`problem[lint]: ${finding[0]}`);
    assert.ok(at >= 0, checked.stderr);
    assert.deepEqual(checked.stderr.split('\n').slice(at + 1, at + 4), ['  statement: ALTER TABLE users ALTER COLUMN email SET NOT NULL', finding[1], finding[2]]);
  });
});
