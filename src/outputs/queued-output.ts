// The bounded queue every output sits behind, with its delivery loop, retries and accounting.
//
// write() puts alerts in the queue. The queue is full at `capacity` alerts or `maxBytes` characters of
// formatted alerts (whichever comes first; one alert larger than maxBytes still passes alone). While the
// output is healthy and the queue is full, write() waits for
// room: a slow output slows the pipeline (which slows the source) instead of losing alerts. Once the output
// is failing (its last attempt failed: an error, a timeout, a dead program), a full queue drops new alerts
// instead, so a broken output never stalls the pipeline or the other outputs; every drop is counted
// (kawa_output_alerts_dropped_total) and logged, at most once per LOG_EVERY_MS per output.
//
// Senders (`concurrency` of them) take chunks of up to `chunk` alerts from the head and call send(); a
// failed send is retried `retries` times with exponential backoff and jitter, then given up on and counted
// as failed. Delivery order is queue order when concurrency is 1. A send that takes longer than
// `sendTimeoutMs` (a receiver that trickles its answer, a program that stops reading) is aborted and fails.
// A chunk given up on opens the output's circuit breaker (breaker.ts): while it is open, chunks fail at once.
import type { Logger } from '../core/logger.js';
import { CircuitBreaker } from './breaker.js';
import type { OutputMetrics } from './metrics.js';
import type { FormattedAlert, Output } from './types.js';
import { LogThrottle } from '../core/log-throttle.js';

export interface QueuedOutputOptions {
  capacity: number;
  /** Characters of formatted alerts the queue holds at most (default: no limit but capacity). */
  maxBytes?: number;
  /** Alerts per send() at most. */
  chunk: number;
  concurrency?: number;
  retries: number;
  /** The whole of one send() at most (a deadline, not an idle timeout): then it is aborted and fails. */
  sendTimeoutMs?: number;
  /** buffered_outputs: wait this long for more alerts before sending a chunk that is not full. */
  lingerMs?: number;
  backoffMs?: { base: number; max: number };
  metrics?: OutputMetrics;
  logger?: Logger;
}

/** A send() failure that should not be retried (a 4xx answer, a bad configuration). */
export class PermanentError extends Error {}

const LOG_EVERY_MS = 10_000;

export abstract class QueuedOutput implements Output {
  readonly stats = { sent: 0, failed: 0, dropped: 0 };
  private queue: FormattedAlert[] = [];
  private head = 0;
  private active = 0;
  /** Alerts taken by senders and not yet delivered or given up on. */
  private inFlight = 0;
  /** Characters of the formatted alerts in the queue. */
  private queuedBytes = 0;
  private readonly fullWarning = new LogThrottle(LOG_EVERY_MS);
  private failing = false;
  private lastError = '';
  private readonly breaker = new CircuitBreaker();
  private closed = false;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private lingerWake: (() => void) | undefined;
  private unreported = { dropped: 0, failed: 0, since: 0 };
  private reportTimer: NodeJS.Timeout | undefined;

  protected constructor(
    readonly name: string,
    readonly writes: 'line' | 'json',
    protected readonly opts: QueuedOutputOptions,
  ) {}

  /** Delivers a chunk or throws (PermanentError: do not retry). `signal` aborts at the send deadline: stop
   *  and release what the send holds (a request, a stuck program). */
  protected abstract send(chunk: FormattedAlert[], signal: AbortSignal): Promise<void>;

  /** Releases resources after the last send. */
  protected async end(): Promise<void> {}

  get length(): number {
    return this.queue.length - this.head;
  }

  get pending(): number {
    return this.length + this.inFlight;
  }

  /** Is the output failing (its last attempt failed)? */
  get isFailing(): boolean {
    return this.failing;
  }

  /** Its circuit breaker fails alerts at once now. */
  get circuitOpen(): boolean {
    return this.breaker.open;
  }

  /** Undefined while the output delivers; else why not (for /healthz and /readyz). */
  get problem(): string | undefined {
    if (!this.failing) return undefined;
    const open = this.breaker.remainingMs;
    return open ? `failing, circuit open for ${Math.ceil(open / 1000)} s: ${this.lastError}` : `failing: ${this.lastError}`;
  }

  async write(alerts: FormattedAlert[]): Promise<void> {
    for (const alert of alerts) {
      const size = this.weight(alert);
      if (this.full(size) && !this.failing && !this.closed) this.waitingForRoom();
      while (this.full(size) && !this.failing && !this.closed) {
        // registered before pump(): a sender may free room synchronously inside it
        const room = new Promise<void>((r) => this.roomWaiters.push(r));
        this.pump();
        await room;
      }
      if (this.closed || this.full(size)) {
        this.account('dropped', 1, this.closed ? 'the output is closed' : 'the output is failing and its queue is full');
        continue;
      }
      this.queue.push(alert);
      this.queuedBytes += size;
    }
    this.gauge();
    this.pump();
  }

  /** A healthy output's queue is full: detection now waits for it. Counted, and logged at most every
   *  LOG_EVERY_MS, so a slow receiver that holds everything up is seen. */
  private waitingForRoom(): void {
    this.opts.metrics?.queueFullWaits.inc({ output: this.name });
    if (!this.fullWarning.due(Date.now())) return;
    this.opts.logger?.warn({ output: this.name, queued: this.length, queued_bytes: this.queuedBytes }, 'output queue full: detection waits for this output');
  }

  /** The characters an alert holds in the queue: what this output will write of it. */
  private weight(alert: FormattedAlert): number {
    return this.writes === 'json' ? alert.asJson.length : alert.lineSize;
  }

  /** No room for one more alert of `size` characters. */
  private full(size: number): boolean {
    return this.length >= this.opts.capacity || (this.length > 0 && this.queuedBytes + size > (this.opts.maxBytes ?? Infinity));
  }

  async flush(): Promise<void> {
    this.lingerWake?.();
    if (this.length === 0 && this.active === 0) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.wake(this.roomWaiters);
    this.report(true);
    await this.end();
  }

  private pump(): void {
    const concurrency = this.opts.concurrency ?? 1;
    while (this.active < concurrency && this.length > this.active * this.opts.chunk) {
      this.active++;
      void this.sender();
    }
  }

  private async sender(): Promise<void> {
    for (;;) {
      if (this.opts.lingerMs && this.length < this.opts.chunk && this.idleWaiters.length === 0) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, this.opts.lingerMs);
          this.lingerWake = () => {
            clearTimeout(t);
            r();
          };
        });
        this.lingerWake = undefined;
      }
      const chunk = this.take();
      if (!chunk.length) break;
      this.inFlight += chunk.length;
      await this.deliver(chunk);
      this.inFlight -= chunk.length;
    }
    this.active--;
    if (this.active === 0 && this.length === 0) this.wake(this.idleWaiters);
  }

  private take(): FormattedAlert[] {
    const n = Math.min(this.opts.chunk, this.length);
    const chunk = this.queue.slice(this.head, this.head + n);
    this.head += n;
    for (const a of chunk) this.queuedBytes -= this.weight(a);
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (n) {
      this.gauge();
      this.wake(this.roomWaiters);
    }
    return chunk;
  }

  private async deliver(chunk: FormattedAlert[]): Promise<void> {
    if (this.breaker.open) {
      this.account('failed', chunk.length, `circuit open: ${this.lastError}`);
      return;
    }
    // after the breaker tripped, one attempt decides whether it closes
    const retries = this.breaker.tripped ? 0 : this.opts.retries;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sendWithDeadline(chunk);
        this.stats.sent += chunk.length;
        this.opts.metrics?.sent.inc({ output: this.name }, chunk.length);
        if (this.failing) this.opts.logger?.info({ output: this.name }, 'output recovered');
        this.failing = false;
        this.breaker.succeeded();
        this.opts.metrics?.circuitOpen.set({ output: this.name }, 0);
        return;
      } catch (e) {
        this.lastError = (e as Error).message;
        if (!this.failing) this.opts.logger?.warn({ output: this.name, err: this.lastError }, 'output failing');
        this.failing = true;
        // writers waiting for room now drop instead of waiting on a broken output
        this.wake(this.roomWaiters);
        if (attempt >= retries || e instanceof PermanentError) {
          this.account('failed', chunk.length, this.lastError);
          if (!(e instanceof PermanentError)) {
            const ms = this.breaker.trip();
            this.opts.metrics?.circuitOpen.set({ output: this.name }, 1);
            this.opts.logger?.warn({ output: this.name, open_s: ms / 1000, err: this.lastError }, 'output circuit open: alerts fail at once until a trial succeeds');
          }
          return;
        }
        const { base, max } = this.opts.backoffMs ?? { base: 200, max: 5000 };
        const delay = Math.min(max, base * 2 ** attempt) * (0.8 + Math.random() * 0.4);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** One send() within sendTimeoutMs, the whole of it: past the deadline it is aborted and fails. */
  private async sendWithDeadline(chunk: FormattedAlert[]): Promise<void> {
    const ms = this.opts.sendTimeoutMs;
    const abort = new AbortController();
    if (!ms) return this.send(chunk, abort.signal);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new Error(`not delivered within ${ms} ms`);
        abort.abort(e);
        reject(e);
      }, ms);
    });
    try {
      await Promise.race([this.send(chunk, abort.signal), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private account(kind: 'dropped' | 'failed', n: number, why: string): void {
    this.stats[kind] += n;
    (kind === 'dropped' ? this.opts.metrics?.dropped : this.opts.metrics?.failed)?.inc({ output: this.name }, n);
    this.unreported[kind] += n;
    this.report(false, why);
  }

  /** Logs alerts lost since the last report: the first at once, then at most every LOG_EVERY_MS. */
  private report(final: boolean, why?: string): void {
    const u = this.unreported;
    if (!u.dropped && !u.failed) return;
    const now = Date.now();
    if (!final && now - u.since < LOG_EVERY_MS) {
      // what is held back now is logged when the period ends, even if nothing more is lost
      this.reportTimer ??= setTimeout(() => {
        this.reportTimer = undefined;
        this.report(true);
      }, LOG_EVERY_MS - (now - u.since)).unref();
      return;
    }
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.reportTimer = undefined;
    this.opts.logger?.error({ output: this.name, dropped: u.dropped, failed: u.failed, reason: why }, 'alerts lost by an output');
    this.unreported = { dropped: 0, failed: 0, since: now };
  }

  private gauge(): void {
    this.opts.metrics?.queue.set({ output: this.name }, this.length);
    this.opts.metrics?.queueBytes.set({ output: this.name }, this.queuedBytes);
  }

  private wake(waiters: (() => void)[]): void {
    for (const w of waiters.splice(0)) w();
  }
}
