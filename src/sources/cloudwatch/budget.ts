// The bytes every cluster of a CloudWatch source may hold between CloudWatch and the outputs, together:
// read and not yet acknowledged, plus the pages being read. A page is reserved at its largest (1 MiB, the
// FilterLogEvents limit) before it is requested, then shrunk to what it really brought, and its bytes are
// released batch by batch as they are acknowledged. When the budget is spent, reading waits: a slow output
// slows every cluster instead of growing memory.
//
// A read waits for room before it queues for its account's rate limiter, but reserves only once it has its
// turn there: reads queued for a token hold no bytes. (Reserving before queueing, 51 clusters' head and
// re-check reads held 1 MiB each while most of them waited for their account's quota, the 64 MiB were spent
// on nothing, and a quiet cluster's head waited seconds behind other accounts' re-checks for room.)
import { Notifier } from '../../core/notifier.js';
import { abortError } from './rate-limiter.js';

/** FilterLogEvents returns at most 1 MB of events per page. */
export const PAGE_BYTES = 1 << 20;

export class ByteBudget {
  private used = 0;
  private readonly room = new Notifier();

  constructor(readonly capacity: number) {}

  get held(): number {
    return this.used;
  }

  /** Waits until n more bytes fit (one reservation is always allowed into an empty budget). */
  async fits(n: number, signal: AbortSignal): Promise<void> {
    while (this.used > 0 && this.used + n > this.capacity) {
      if (signal.aborted) throw abortError();
      await this.room.wait(1000);
    }
    if (signal.aborted) throw abortError();
  }

  /** Waits until n more bytes fit, and takes them. */
  async reserve(n: number, signal: AbortSignal): Promise<void> {
    await this.fits(n, signal);
    this.used += n;
  }

  release(n: number): void {
    this.used -= n;
    this.room.notify();
  }

  /** Wakes every waiter (shutdown). */
  wake(): void {
    this.room.notify();
  }
}
