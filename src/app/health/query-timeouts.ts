/**
 * Recent query timeouts, for `/readyz`. The readiness query reads `dbship.migrations`, which a
 * migration stuck on `users` does not lock: without this, `/readyz` said 200 while every request
 * on `users` hung. While queries keep hitting the statement timeout the pod reports why.
 */
export class QueryTimeouts {
  private readonly times: number[] = [];

  /**
   * @param statementTimeoutMs the app's `statement_timeout` (for the message)
   * @param windowMs how long after the last timeout the pod stays "not ready"
   */
  constructor(
    private readonly statementTimeoutMs: number,
    private readonly windowMs = Math.max(1_000, 2 * statementTimeoutMs),
    private readonly now: () => number = Date.now,
  ) {}

  /** One query was cancelled by the statement timeout. */
  record(): void {
    this.times.push(this.now());
    this.prune();
  }

  /** Why the pod is not ready, or undefined when no query timed out within the window. */
  reason(): string | undefined {
    this.prune();
    if (this.times.length === 0) return undefined;
    const seconds = Math.round(this.windowMs / 1000);
    return `database queries are timing out: ${this.times.length} cancelled by the statement timeout (${this.statementTimeoutMs} ms, DB_STATEMENT_TIMEOUT) in the last ${seconds} s; a lock held by a migration or a long transaction is the usual cause`;
  }

  private prune(): void {
    const since = this.now() - this.windowMs;
    while (this.times.length > 0 && this.times[0]! < since) this.times.shift();
  }
}
