import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** What a finished `podman` (or other) command left behind. */
export interface Exec {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `podman args...`, never throwing on a non-zero exit; `timeoutMs` bounds it (SIGKILL after). */
export function podman(args: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<Exec> {
  return exec('podman', args, options);
}

export function exec(file: string, args: string[], options: { timeoutMs?: number; cwd?: string; input?: string } = {}): Promise<Exec> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { timeout: options.timeoutMs ?? 120_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, cwd: options.cwd }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      const killed = err && (err as { killed?: boolean }).killed ? `\n(killed after ${options.timeoutMs ?? 120_000} ms)` : '';
      resolve({ code, stdout: String(stdout), stderr: `${stderr}${killed}` });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * Runs a long command (an image build), streaming its output to our stderr so a slow CI step
 * shows progress, and keeping the tail for the failure message.
 */
export function stream(file: string, args: string[], options: { cwd: string; timeoutMs: number }): Promise<Exec> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer) => {
      process.stderr.write(chunk);
      tail = (tail + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout: '', stderr: signal ? `${tail}\n(stopped by ${signal} after ${options.timeoutMs} ms)` : tail });
    });
  });
}

/**
 * Why podman cannot run containers here, or undefined when it can. Only these reasons make the
 * e2e test skip; everything after this point is a real failure.
 */
export async function podmanUnavailable(): Promise<string | undefined> {
  const version = await podman(['version', '--format', '{{.Client.Version}}'], { timeoutMs: 30_000 }).catch(() => undefined);
  if (!version || version.code !== 0) {
    return 'podman is not installed (run .ci/setup-podman.sh, or `bash .ci/e2e.sh` which does)';
  }
  if (process.getuid?.() !== 0) return 'the e2e test builds a base image with debootstrap and runs rootful podman: run it as root';
  const info = await podman(['info', '--format', '{{.Host.OCIRuntime.Name}}'], { timeoutMs: 60_000 });
  if (info.code !== 0) return `podman cannot start here: ${firstLine(info.stderr)}`;
  return undefined;
}

/** The host's CA bundle, for npm inside the image build behind a TLS-inspecting proxy. */
export function hostCaBundle(): string | undefined {
  const candidates = [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'];
  return candidates.find((p): p is string => Boolean(p) && existsSync(p!) && path.isAbsolute(p!));
}

export function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '(no output)';
}

/** The last `n` lines of a log, for assertion messages. */
export function tail(text: string, n = 40): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
