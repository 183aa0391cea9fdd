import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadCommands } from '../../packages/dbship/src/cli/commands/index.js';
import { wrap } from '../../packages/dbship/src/cli/findings.js';
import { detectInvocation, localizeCommands } from '../../packages/dbship/src/cli/invocation.js';
import { viewEvent } from '../../packages/dbship/src/cli/render-events.js';
import { runCli, type RunOptions } from '../../packages/dbship/src/cli/run.js';
import { suggestVerb } from '../../packages/dbship/src/cli/suggest.js';
import { ROOT } from '../helpers/migrations.js';

const NPM_SCRIPT = { npm_command: 'run', npm_lifecycle_event: 'db' };
const ESC = '\u001b[';

async function cli(argv: string[], env: Record<string, string> = {}, extra: Partial<RunOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, cwd: '/nonexistent-dir', stdout: (l) => out.push(l), stderr: (l) => err.push(l), ...extra });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('invocation: npm run db without --', () => {
  it('regression: `npm run db generate --name x` answered "generate needs --name" (npm kept --name as npm_config_name); it says the line that works, exit 2', async () => {
    const r = await cli(['generate'], { ...NPM_SCRIPT, npm_config_name: 'x' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /npm kept --name for itself/);
    assert.match(r.stderr, /^ {2}use: npm run db -- generate --name x$/m);
  });

  it('a swallowed flag is refused too: downgrade --dry-run must not become a real downgrade', async () => {
    const r = await cli(['downgrade'], { ...NPM_SCRIPT, npm_config_dry_run: 'true' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /use: npm run db -- downgrade --dry-run/);
  });

  it('fix texts name the command as it was run: npm script, npx, or dbship', async () => {
    assert.equal(detectInvocation(NPM_SCRIPT).prefix, 'npm run db --');
    assert.equal(detectInvocation({ npm_command: 'exec', npm_lifecycle_event: 'npx' }).prefix, 'npx dbship');
    assert.equal(detectInvocation({}).prefix, 'dbship');
    assert.equal(localizeCommands('run `dbship upgrade`, or `dbship repair --reason "x"`', detectInvocation(NPM_SCRIPT)), 'run `npm run db -- upgrade`, or `npm run db -- repair --reason "x"`');
    const r = await cli(['generate'], NPM_SCRIPT);
    assert.match(r.stderr, /e\.g\. `npm run db -- generate --name add_user_bio`/);
    const npx = await cli(['stauts'], { npm_command: 'exec' });
    assert.match(npx.stderr, /did you mean `npx dbship status`\?/);
  });
});

describe('output: help, version, unknown verbs', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}/packages/dbship/package.json`, 'utf8')) as { version: string };
    const r = await cli(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, pkg.version);
  });

  it('every option of every verb has a description and an example in <verb> --help', async () => {
    for (const c of await loadCommands()) {
      const r = await cli([c.name, '--help']);
      assert.equal(r.code, 0, c.name);
      for (const [name, o] of Object.entries(c.options)) {
        assert.ok(o.description.length > 10 && o.example.includes(`--${name}`), `${c.name} --${name}`);
        assert.match(r.stdout, new RegExp(`--${name}.*  ${o.description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n +e\\.g\\. dbship ${c.name} `), `${c.name} --${name}`);
      }
    }
  });

  it('an unknown verb gets "did you mean"; aerich and Prisma verbs map to ours', async () => {
    const verbs = (await loadCommands()).map((c) => c.name);
    assert.equal(suggestVerb(['upgarde'], verbs)?.verb, 'upgrade');
    assert.equal(suggestVerb(['migrate'], verbs)?.verb, 'generate');
    assert.equal(suggestVerb(['init-db'], verbs)?.verb, 'upgrade');
    assert.equal(suggestVerb(['migrate', 'deploy'], verbs)?.verb, 'deploy');
    assert.equal(suggestVerb(['migrate', 'status'], verbs)?.verb, 'status');
    assert.equal(suggestVerb(['zzzzzz'], verbs), undefined);
    const r = await cli(['migrate', 'deploy']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "migrate deploy": did you mean `dbship deploy`\?/);
    assert.match(r.stderr, /Prisma's "migrate deploy" is "deploy"/);
  });
});

describe('output: colour', () => {
  const tty = { stdout: true, stderr: true };
  it('errors are red on a terminal', async () => {
    const r = await cli(['nope'], {}, { tty });
    assert.ok(r.stderr.includes(`${ESC}31m`), JSON.stringify(r.stderr));
  });
  it('no colour for a pipe, NO_COLOR, --no-color, or JSON', async () => {
    assert.ok(!(await cli(['nope'])).stderr.includes(ESC));
    assert.ok(!(await cli(['nope'], { NO_COLOR: '1' }, { tty })).stderr.includes(ESC));
    assert.ok(!(await cli(['nope', '--no-color'], {}, { tty })).stderr.includes(ESC));
    const json = await cli(['lint', '--json', `${ROOT}/migrations`], {}, { tty });
    assert.equal(json.code, 0, json.stderr);
    assert.ok(!json.stdout.includes(ESC) && !json.stderr.includes(ESC));
    JSON.parse(json.stdout);
  });
});

describe('output: engine events', () => {
  it('an applying line precedes each migration, and every event type is rendered', () => {
    assert.deepEqual(viewEvent({ type: 'applying', name: '0001_x', transactional: true }).human, { stream: 'err', tone: 'progress', text: 'applying 0001_x ...' });
    assert.equal(viewEvent({ type: 'applied', name: '0001_x', durationMs: 3 }).human?.text, 'Applied 0001_x (3 ms)');
    assert.equal(viewEvent({ type: 'reverting', name: '0001_x', transactional: false }).human?.text, 'reverting 0001_x (no transaction) ...');
    assert.equal(viewEvent({ type: 'lock-acquired', waitedMs: 0 }).log.msg, 'migration lock acquired');
  });

  it('wraps refusal text to 80 columns', () => {
    const lines = wrap('word '.repeat(60), '  why: ', '    ');
    assert.ok(lines.length > 1 && lines.every((l) => l.length <= 80));
  });
});
