// FilterLogEvents has one quota for a whole account and region (5 requests/s, shared with every other caller),
// so every request of every cluster this process reads in one account and region takes a token from one
// bucket. The bucket holds one token (strict pacing, no bursts above the rate).
//
// Who gets the next token: head reads (priority 0: new events, the latency users see) before re-checks
// (priority 1: late events), but never all of them: while both wait, one token in RECHECK_SHARE goes to a
// re-check, so re-checks are deferred while the head needs the budget, never starved (a fleet whose heads
// alone would use the whole quota still re-checks, and its polling slows down instead). Within a priority,
// the clusters take turns, each cluster's requests in order, so a busy cluster cannot starve a quiet one. On throttling the rate halves, and each success wins back 5% of the configured rate (AIMD), never
// below a tenth of it, so a busy account settles below the point where AWS refuses without starving itself.

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Per priority: the clusters with waiting requests, served in turn. */
class FairQueue {
  private readonly byKey = new Map<string, Waiter[]>();
  /** Keys with waiters, in turn order: the next token goes to the first. */
  private order: string[] = [];

  get size(): number {
    return this.order.length;
  }

  push(key: string, w: Waiter): void {
    let q = this.byKey.get(key);
    if (!q) {
      this.byKey.set(key, (q = []));
      this.order.push(key);
    }
    q.push(w);
  }

  /** The next waiter: the first key's oldest request; that key goes to the back of the turn. */
  shift(): Waiter | undefined {
    const key = this.order.shift();
    if (key === undefined) return undefined;
    const q = this.byKey.get(key)!;
    const w = q.shift()!;
    if (q.length) this.order.push(key);
    else this.byKey.delete(key);
    return w;
  }

  remove(key: string, w: Waiter): void {
    const q = this.byKey.get(key);
    const i = q?.indexOf(w) ?? -1;
    if (!q || i < 0) return;
    q.splice(i, 1);
    if (!q.length) {
      this.byKey.delete(key);
      this.order = this.order.filter((k) => k !== key);
    }
  }
}

/** While heads and re-checks both wait, every RECHECK_SHARE-th token goes to a re-check. */
const RECHECK_SHARE = 5;

export interface LimiterStats {
  /** Tokens given, by priority (0: head, 1: re-check). */
  granted: [number, number];
  /** Requests waiting now, by priority. */
  waiting: [number, number];
}

export class RateLimiter {
  private rate: number;
  private tokens = 1;
  private at = performance.now();
  private readonly queues: [FairQueue, FairQueue] = [new FairQueue(), new FairQueue()];
  private readonly granted: [number, number] = [0, 0];
  /** Head tokens given in a row while re-checks waited. */
  private headStreak = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly maxRate: number) {
    this.rate = maxRate;
  }

  get currentRate(): number {
    return this.rate;
  }

  get configuredRate(): number {
    return this.maxRate;
  }

  get stats(): LimiterStats {
    return { granted: [...this.granted], waiting: [this.queues[0].size, this.queues[1].size] };
  }

  /**
   * Resolves when the caller may send one request; priority 0 (head) goes before 1; `key` (the cluster)
   * takes turns with the other keys of its priority. Rejects with an AbortError on abort.
   */
  take(priority: 0 | 1, signal?: AbortSignal, key = ''): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError());
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          this.queues[priority].remove(key, w);
          reject(abortError());
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.queues[priority].push(key, w);
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
      const [heads, rechecks] = [this.queues[0].size, this.queues[1].size];
      const priority = heads && !(rechecks && this.headStreak >= RECHECK_SHARE - 1) ? 0 : 1;
      const w = this.queues[priority].shift();
      if (!w) break;
      this.headStreak = priority === 0 && rechecks ? this.headStreak + 1 : 0;
      this.tokens -= 1;
      this.granted[priority]++;
      if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
      w.resolve();
    }
    if (this.timer || (!this.queues[0].size && !this.queues[1].size)) return;
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

/**
 * The process-wide limiter of an account and region (and endpoint): every cluster read there shares it.
 * `account` is the account id when known (a role's), else the identity that signs the requests.
 */
export function sharedRateLimiter(account: string, region: string, endpoint: string | undefined, maxRate: number): RateLimiter {
  const key = `${endpoint ?? 'aws'}|${account}|${region}`;
  let limiter = shared.get(key);
  if (!limiter) shared.set(key, (limiter = new RateLimiter(maxRate)));
  return limiter;
}
