import { spawn } from 'node:child_process';

export interface ProcessRun {
  /** Wall time from spawn to exit (ms). */
  readonly ms: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Kill the process after this long (ms); the run then has code null. */
  readonly timeoutMs?: number;
}

/** Runs one process to completion and times it (spawn to exit). Output is kept for diagnostics. */
export function timeProcess(spec: ProcessSpec): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(spec.command, spec.args, { env: spec.env, cwd: spec.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      child.on('close', () => resolve({ ms, code, stdout, stderr }));
    });
  });
}

/** Like {@link timeProcess}, but a non-zero exit is an error carrying the process's stderr tail. */
export async function timeOk(label: string, spec: ProcessSpec): Promise<number> {
  const run = await timeProcess(spec);
  if (run.code !== 0) {
    throw new Error(`${label} exited with ${run.code}:\n${tail(run.stderr || run.stdout)}`);
  }
  return run.ms;
}

/** The last lines of a process's output, for an error message. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export interface RepeatOptions {
  readonly reps: number;
  readonly warmup: number;
}

/**
 * Measures several subjects, interleaved (A B C, A B C, ...) so that a slow phase of the
 * machine affects all of them alike. Warm-up rounds are run and discarded.
 */
export async function interleave(subjects: Record<string, () => Promise<number>>, options: RepeatOptions): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(subjects)) samples[name] = [];
  for (let round = 0; round < options.warmup + options.reps; round++) {
    for (const [name, fn] of Object.entries(subjects)) {
      const value = await fn();
      if (round >= options.warmup) samples[name]!.push(value);
    }
  }
  return samples;
}
