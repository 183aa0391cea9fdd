/**
 * `npm test`: runs the suite with node's test runner. Tests that need PostgreSQL use the server
 * named by TEST_DATABASE_URL; when it is not set, this script starts an embedded PostgreSQL in a
 * temporary folder for the run and stops it afterwards, so the suite passes on a fresh machine.
 *
 *   npm test                       # every file under tests/unit and tests/integration
 *   npm test -- tests/unit         # a folder or single files
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbedded, type EmbeddedServer } from '../../packages/dbship/src/dev/embedded.js';

const root = path.resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const targets = args.length > 0 ? args : ['tests/unit', 'tests/integration'];
const files = targets.flatMap((t) => collect(path.resolve(root, t))).sort();
if (files.length === 0) {
  console.error(`no test files under ${targets.join(', ')}`);
  process.exit(2);
}

let embedded: EmbeddedServer | undefined;
let tmp: string | undefined;
const env = { ...process.env };
if (!env.TEST_DATABASE_URL) {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dbship-test-pg-'));
  console.error(`TEST_DATABASE_URL is not set: starting an embedded PostgreSQL in ${tmp}`);
  embedded = await startEmbedded({ dir: tmp, persistent: false });
  const a = embedded.admin;
  env.TEST_DATABASE_URL = `postgres://${a.user}:${a.password}@${a.host}:${a.port}/${a.database}`;
} else {
  console.error('using the PostgreSQL server named by TEST_DATABASE_URL');
}

const concurrency = Number(process.env.TEST_CONCURRENCY ?? Math.max(2, os.availableParallelism()));
const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], {
  cwd: root,
  env,
  stdio: 'inherit',
});
const forward = (sig: NodeJS.Signals) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const code: number = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
if (embedded) await embedded.stop();
if (tmp) rmSync(tmp, { recursive: true, force: true });
process.exit(code);

function collect(p: string): string[] {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) {
    console.error(`no such test path: ${path.relative(root, p)}`);
    process.exit(2);
  }
  if (st.isFile()) return [p];
  return readdirSync(p, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(p, f));
}
