// A circuit breaker for one output. Once a chunk of alerts has failed every retry, the output is presumed
// down: the breaker opens and, for its cooldown, chunks fail at once (counted as failed) instead of each
// waiting through its own retries and backoff, which let a dead receiver hold a run for hours. When the
// cooldown ends, the next chunk is a trial with one attempt: success closes the breaker, failure opens it
// again for twice as long (up to maxMs).
export class CircuitBreaker {
  private openUntil = 0;
  private cooldownMs: number;

  constructor(private readonly minMs = 1000, private readonly maxMs = 60_000, private readonly clock: () => number = () => performance.now()) {
    this.cooldownMs = minMs;
  }

  /** Open: fail without trying. */
  get open(): boolean {
    return this.clock() < this.openUntil;
  }

  /** The breaker has tripped and not closed since: the next attempt is a trial. */
  get tripped(): boolean {
    return this.openUntil > 0;
  }

  /** How long it stays open from now (0 when closed). */
  get remainingMs(): number {
    return Math.max(0, this.openUntil - this.clock());
  }

  succeeded(): void {
    this.openUntil = 0;
    this.cooldownMs = this.minMs;
  }

  /** A chunk failed for good: open for the cooldown, and lengthen the next one. Returns the cooldown. */
  trip(): number {
    const ms = this.cooldownMs;
    this.openUntil = this.clock() + ms;
    this.cooldownMs = Math.min(this.maxMs, this.cooldownMs * 2);
    return ms;
  }
}
