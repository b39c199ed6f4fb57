// Token buckets per (namespace, operation): the shared per-account quota of CloudWatch Logs (FilterLogEvents
// is 5 TPS for the whole account and region). Refills on the wall clock, not the emulator clock: the quota
// is about how fast requests really arrive.

interface Bucket {
  tokens: number;
  at: number;
}

export class Quotas {
  private readonly buckets = new Map<string, Bucket>();

  /** Takes one token; false when the bucket (capacity: one second of rate, at least one request) is empty. */
  take(key: string, ratePerSec: number, nowMs: number = performance.now()): boolean {
    const capacity = Math.max(1, ratePerSec);
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { tokens: capacity, at: nowMs }));
    b.tokens = Math.min(capacity, b.tokens + ((nowMs - b.at) / 1000) * ratePerSec);
    b.at = nowMs;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  clear(): void {
    this.buckets.clear();
  }
}
