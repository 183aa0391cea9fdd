import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** An nginx master process this test owns, in front of loopback upstreams. */
export interface Nginx {
  readonly port: number;
  readonly baseUrl: string;
  /** Rewrites the upstream list and reloads; resolves once the old workers have drained and exited. */
  switchUpstreams(ports: readonly number[]): Promise<void>;
  /** Graceful stop (SIGQUIT), SIGKILL after a bound. */
  stop(): Promise<void>;
  /** The error log so far (for failure messages). */
  errorLog(): string;
}

/** The nginx binary, or a message saying how to install it. */
export function findNginx(): string {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) if (existsSync(candidate)) return candidate;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error('nginx is not installed: run `bash .ci/rollout.sh` (installs it with apt-get) or `apt-get install nginx`');
}

function config(dir: string, port: number, upstreams: readonly number[]): string {
  const isRoot = process.getuid?.() === 0;
  return `${isRoot ? 'user root root;\n' : ''}worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
      # A refused connection is retried on the other upstream (no request was sent, so even a POST).
      proxy_next_upstream error timeout;
      proxy_max_temp_file_size 0;
    }
  }
}
`;
}

/** Live worker pids of the master (Linux /proc). */
function workers(master: number): number[] {
  try {
    return readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function waitFor(what: string, probe: () => boolean | Promise<boolean>, polls = 300): Promise<void> {
  for (let i = 0; i < polls; i++) {
    if (await probe()) return;
    await sleep(50);
  }
  throw new Error(`nginx: timed out waiting until ${what}`);
}

/** Starts nginx in the foreground (a child of this process) listening on 127.0.0.1:`port`. */
export async function startNginx(dir: string, port: number, upstreams: readonly number[]): Promise<Nginx> {
  const bin = findNginx();
  mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, config(dir, port, upstreams));
  const args = ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')];
  const test = spawnSync(bin, ['-t', ...args], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx rejected the generated configuration:\n${test.stderr}`);
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const master = child.pid!;
  const errorLog = () => `${stderr}${existsSync(path.join(dir, 'error.log')) ? readFileSync(path.join(dir, 'error.log'), 'utf8') : ''}`;
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor('it answers', async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited at start:\n${errorLog()}`);
    try {
      await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(500) }).then((r) => r.arrayBuffer());
      return true;
    } catch {
      return false;
    }
  });
  return {
    port,
    baseUrl,
    errorLog,
    async switchUpstreams(ports) {
      const before = workers(master);
      writeFileSync(conf, config(dir, port, ports));
      const check = spawnSync(bin, ['-t', ...args], { encoding: 'utf8' });
      if (check.status !== 0) throw new Error(`nginx rejected the new configuration:\n${check.stderr}`);
      process.kill(master, 'SIGHUP');
      // Reload done = new workers serve, and every old worker finished its requests and exited.
      await waitFor('the old workers have drained', () => {
        const now = workers(master);
        return now.length > 0 && !now.some((pid) => before.includes(pid));
      }, 600);
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
