import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface MigrationSpec {
  /** Without the NNNN_ prefix; the index is the position. */
  readonly name: string;
  readonly sql: string;
  readonly down?: string;
}

const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder removed when the test process exits. */
export function tempDir(prefix = 'dbship-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Writes a migrations folder in drizzle-kit's format (journal + NNNN_name.sql [+ .down.sql]). */
export function writeMigrations(specs: readonly MigrationSpec[], dir = tempDir('dbship-mig-')): string {
  mkdirSync(path.join(dir, 'meta'), { recursive: true });
  const entries = specs.map((s, idx) => {
    const tag = `${String(idx).padStart(4, '0')}_${s.name}`;
    writeFileSync(path.join(dir, `${tag}.sql`), s.sql);
    if (s.down !== undefined) writeFileSync(path.join(dir, `${tag}.down.sql`), s.down);
    return { idx, version: '7', when: 1_700_000_000_000 + idx, tag, breakpoints: true };
  });
  writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2));
  return dir;
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment for a CLI child: only what dbship reads, never the test runner's own variables. */
export function cliEnv(databaseUrl: string, migrationsDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl, MIGRATIONS_DIR: migrationsDir, LOG_LEVEL: 'info', HOSTNAME: 'test-runner', ...extra };
}

/** Starts `dbship <args>` as a separate OS process (the real CLI entry under tsx). */
/**
 * The CLI a test spawns: the TypeScript source through tsx, or, with `DBSHIP_TEST_CLI=dist` (CI
 * sets it right after `npm run build`), the compiled CLI that the package ships. tsx costs each
 * process about 0.3 s of CPU, and the suite spawns the CLI hundreds of times.
 */
const CLI_ARGS = process.env.DBSHIP_TEST_CLI === 'dist'
  ? [path.join(ROOT, 'packages/dbship/dist/cli/main.js')]
  : ['--import', 'tsx', path.join(ROOT, 'packages/dbship/src/cli/main.ts')];

export function spawnCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [...CLI_ARGS, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `dbship <args>` to completion as a separate OS process (the package's `runCli` runs in this one). */
export function runCliProcess(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return collect(spawnCli(args, env));
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Edits the throttle of a backfill file's `-- dbship:backfill` directive, as a reviewer may before
 * it is applied (`batch=<rows>`, `pause=<ms|auto>`). Throws when the file has no such directive,
 * so a test never runs with the generated throttle while believing it changed it.
 */
export function setBackfillThrottle(file: string, throttle: { batch?: number; pause?: number | 'auto' }): void {
  const text = readFileSync(file, 'utf8');
  const line = /^-- dbship:backfill .*$/m.exec(text)?.[0];
  if (!line || !/ batch=\d+/.test(line) || !/ pause=(\d+|auto)/.test(line)) throw new Error(`${file}: no "-- dbship:backfill ... batch=... pause=..." line`);
  let edited = line;
  if (throttle.batch !== undefined) edited = edited.replace(/ batch=\d+/, ` batch=${throttle.batch}`);
  if (throttle.pause !== undefined) edited = edited.replace(/ pause=(\d+|auto)/, ` pause=${throttle.pause}`);
  writeFileSync(file, text.replace(line, edited));
}
