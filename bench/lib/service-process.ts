import { closeSync, openSync, readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './build.js';

/** A service (the app or a peer) running as its own OS process on 127.0.0.1. */
export interface ServiceProcess {
  readonly name: string;
  readonly port: number;
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stdout + stderr so far (for diagnostics; the caller decides what to show). */
  output(): string;
  /** Sends `signal` (default SIGTERM) and waits for the exit, SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  readonly name: string;
  /** Arguments to `node`, e.g. `['--import', 'tsx', 'src/app/server.ts']`. */
  readonly args: readonly string[];
  readonly port: number;
  readonly env: NodeJS.ProcessEnv;
  /** Path polled until it answers 200 (default `/readyz`). */
  readonly readyPath?: string;
  /** Give up waiting for readiness after this many polls of 100 ms (default 300). */
  readonly readyPolls?: number;
  /**
   * Write the process's stdout and stderr to this file instead of a pipe this process reads (the
   * benchmarks: reading and keeping a logging server's output would cost the load generator CPU).
   * `output()` then reads the file's end.
   */
  readonly logFile?: string;
}

/** Starts the process and waits (bounded) until `readyPath` answers 200. */
export async function startService(options: StartOptions): Promise<ServiceProcess> {
  const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
  const child = spawn(process.execPath, [...options.args], {
    cwd: ROOT,
    env: { ...options.env, HOST: '127.0.0.1', PORT: String(options.port) },
    stdio: logFd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', logFd, logFd],
  });
  if (logFd !== undefined) closeSync(logFd);
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const service: ServiceProcess = {
    name: options.name,
    port: options.port,
    baseUrl,
    child,
    exited,
    output: () => (options.logFile === undefined ? output : fileTail(options.logFile)),
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; i < (options.readyPolls ?? 300); i++) {
    if (gone) throw new Error(`${options.name} exited before it was ready:\n${service.output().trimEnd().split('\n').slice(-20).join('\n')}`);
    if (await answers200(`${baseUrl}${options.readyPath ?? '/readyz'}`)) return service;
    await sleep(100);
  }
  await service.stop('SIGKILL');
  throw new Error(`${options.name} was not ready after ${((options.readyPolls ?? 300) / 10).toFixed(0)} s:\n${service.output().trimEnd().split('\n').slice(-20).join('\n')}`);
}

/** True when GET `url` answers 200 within a second. */
export async function answers200(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Resident set size of a running process in MiB (Linux /proc), or NaN when it cannot be read. */
export function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** The last 200,000 characters of a file ('' when it cannot be read). */
function fileTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-200_000);
  } catch {
    return '';
  }
}

/**
 * CPU time (user + system, ms) a running process has used so far (Linux /proc), or NaN. Divided by
 * the requests it served, it gives the server's own cost per request, which the load of other
 * processes on the machine changes far less than throughput.
 */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ, 100 on every Linux configuration Node.js runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
