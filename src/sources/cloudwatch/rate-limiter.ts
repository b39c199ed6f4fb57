// FilterLogEvents has one quota for a whole account and region (5 requests/s, shared with every other caller),
// so every request of every CloudWatch source in this process for the same region and endpoint takes a token
// from one bucket. The bucket holds one token (strict pacing, no bursts above the rate). The head tier's
// requests go before re-check requests. On throttling the rate halves, and each success wins back 5% of the
// configured rate (AIMD), never below a tenth of it, so a busy account settles below the point where AWS
// refuses without the source starving itself.

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class RateLimiter {
  private rate: number;
  private tokens = 1;
  private at = performance.now();
  private readonly queues: [Waiter[], Waiter[]] = [[], []];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly maxRate: number) {
    this.rate = maxRate;
  }

  get currentRate(): number {
    return this.rate;
  }

  /** Resolves when the caller may send one request; priority 0 (head) goes before 1. Rejects with an AbortError on abort. */
  take(priority: 0 | 1, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const q = this.queues[priority];
          const i = q.indexOf(w);
          if (i >= 0) q.splice(i, 1);
          reject(abortError());
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.queues[priority].push(w);
      this.pump();
    });
  }

  throttled(): void {
    this.rate = Math.max(this.maxRate / 10, this.rate / 2);
  }

  succeeded(): void {
    this.rate = Math.min(this.maxRate, this.rate + this.maxRate * 0.05);
  }

  private pump(): void {
    const now = performance.now();
    this.tokens = Math.min(1, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    while (this.tokens >= 1) {
      const w = this.queues[0].shift() ?? this.queues[1].shift();
      if (!w) break;
      this.tokens -= 1;
      if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
      w.resolve();
    }
    if (this.timer || (!this.queues[0].length && !this.queues[1].length)) return;
    const waitMs = Math.max(1, ((1 - this.tokens) / this.rate) * 1000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, waitMs);
  }
}

export function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

const shared = new Map<string, RateLimiter>();

/** The process-wide limiter of a region (and endpoint): every source reading that region shares it. */
export function sharedRateLimiter(region: string, endpoint: string | undefined, maxRate: number): RateLimiter {
  const key = `${endpoint ?? 'aws'}|${region}`;
  let limiter = shared.get(key);
  if (!limiter) shared.set(key, (limiter = new RateLimiter(maxRate)));
  return limiter;
}
