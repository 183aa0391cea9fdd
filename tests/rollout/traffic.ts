import http from 'node:http';
import { percentiles } from '../../bench/lib/stats.js';

/**
 * Steady keep-alive traffic for the rollout tests. A small HTTP/1.1 client rather than autocannon:
 * when nginx reloads, its old workers close kept-alive client connections, and a request written
 * to such a connection is never read. Clients (browsers; Node's `request.reusedSocket` rule) send
 * it again on a new connection; autocannon silently loses it instead (and with `reconnectRate` it
 * skips the response event). This client follows the HTTP rule, counts such resends separately,
 * and counts every other failure.
 */

/** A write the service acknowledged (201). */
export interface Acknowledged {
  readonly id: number;
  readonly email: string;
}

/** What one phase of load saw. */
export interface PhaseStats {
  readonly name: string;
  /** Requests issued (each counted once, resends included in it). */
  sent: number;
  /** Responses received (any status). */
  completed: number;
  non2xx: number;
  /** Connection errors (other than a resend-safe closed keep-alive connection) and timeouts. */
  errors: number;
  timeouts: number;
  /** Requests resent because the server had closed the kept-alive connection before reading them. */
  resent: number;
  readonly latencies: number[];
  /** `performance.now()` when each response completed (same order as `latencies`). */
  readonly completedAt: number[];
  readonly acknowledged: Acknowledged[];
  readonly statuses: Map<number, number>;
  readonly errorSamples: string[];
}

export function newPhase(name: string): PhaseStats {
  return { name, sent: 0, completed: 0, non2xx: 0, errors: 0, timeouts: 0, resent: 0, latencies: [], completedAt: [], acknowledged: [], statuses: new Map(), errorSamples: [] };
}

/** Requests that got no response at all: the connection failed (reset, refused) or timed out. */
export function dropped(p: PhaseStats): number {
  return p.errors + p.timeouts;
}

export function describePhase(p: PhaseStats): string {
  const l = percentiles(p.latencies);
  return `${p.name.padEnd(7)} ${p.completed.toLocaleString('en-US')} requests, p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms, ${p.non2xx} failed (non-2xx), ${dropped(p)} dropped (no response), ${p.resent} resent on a closed keep-alive connection, ${p.acknowledged.length} writes acknowledged`;
}

export interface LoadOptions {
  /** Concurrent keep-alive connections, each sending one request at a time. */
  readonly connections: number;
  /** Requests in this burst (bounded). */
  readonly amount: number;
  /** Existing user ids are 1..maxId. */
  readonly maxId: number;
  /** Makes POSTed emails unique across runs. */
  readonly tag: string;
  /** Only `GET /users/:id` (default: the read/list/create mix). */
  readonly readsOnly?: boolean;
}

let sequence = 0;

interface Planned {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
}

/** The mix: half reads by id, a quarter list pages, a quarter creates. */
function plan(i: number, options: LoadOptions): Planned {
  switch (options.readsOnly ? 0 : i % 4) {
    case 1:
      return { method: 'POST', path: '/users', body: JSON.stringify({ email: `roll-${options.tag}-${sequence++}@example.org`, name: 'Rollout' }) };
    case 3:
      return { method: 'GET', path: '/users?limit=20' };
    default:
      return { method: 'GET', path: `/users/${1 + Math.floor(Math.random() * options.maxId)}` };
  }
}

type Outcome = { status: number; body: string } | { error: NodeJS.ErrnoException; reused: boolean; responded: boolean };

function once(agent: http.Agent | false, base: URL, req: Planned): Promise<Outcome> {
  return new Promise((resolve) => {
    let responded = false;
    const r = http.request(
      { agent, host: base.hostname, port: base.port, method: req.method, path: req.path, timeout: 10_000, headers: req.body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(req.body) } : {} },
      (res) => {
        responded = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', (error) => resolve({ error, reused: r.reusedSocket, responded }));
      },
    );
    r.on('timeout', () => r.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    r.on('error', (error: NodeJS.ErrnoException) => resolve({ error, reused: r.reusedSocket, responded }));
    r.end(req.body);
  });
}

/** One request, resent once on a new connection when a kept-alive one was closed under it. */
async function send(agent: http.Agent, base: URL, req: Planned, phase: PhaseStats): Promise<void> {
  phase.sent++;
  const started = performance.now();
  let outcome = await once(agent, base, req);
  if ('error' in outcome && outcome.reused && !outcome.responded && ['ECONNRESET', 'EPIPE'].includes(outcome.error.code ?? '')) {
    phase.resent++;
    // A fresh connection, as the HTTP rule says: the pool may hold more sockets the server closed.
    outcome = await once(false, base, req);
  }
  if ('error' in outcome) {
    if (outcome.error.code === 'ETIMEDOUT') phase.timeouts++;
    else phase.errors++;
    if (phase.errorSamples.length < 5) phase.errorSamples.push(`${req.method} ${req.path}: ${outcome.error.code ?? outcome.error.message}`);
    return;
  }
  const now = performance.now();
  phase.latencies.push(now - started);
  phase.completedAt.push(now);
  phase.completed++;
  phase.statuses.set(outcome.status, (phase.statuses.get(outcome.status) ?? 0) + 1);
  if (outcome.status < 200 || outcome.status > 299) phase.non2xx++;
  if (req.method === 'POST' && outcome.status === 201) {
    const user = JSON.parse(outcome.body) as Acknowledged;
    phase.acknowledged.push({ id: user.id, email: user.email });
  }
}

/** Sends `amount` requests over `connections` keep-alive connections to a loopback URL. */
export async function burst(url: string, phase: PhaseStats, options: LoadOptions): Promise<void> {
  if (!url.startsWith('http://127.0.0.1:')) throw new Error(`traffic is only sent to 127.0.0.1 (got ${url})`);
  const base = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  let next = 0;
  const worker = async () => {
    while (next < options.amount) await send(agent, base, plan(next++, options), phase);
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, worker));
  } finally {
    agent.destroy();
  }
}

/** Keeps bursts going until `done` settles (at most `maxBursts`). */
export async function trafficUntil(done: Promise<unknown>, url: string, phase: PhaseStats, options: LoadOptions & { maxBursts: number }): Promise<void> {
  let finished = false;
  void done.then(() => (finished = true), () => (finished = true));
  for (let i = 0; i < options.maxBursts && !finished; i++) await burst(url, phase, options);
}
