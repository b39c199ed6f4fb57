// The bytes every cluster of a CloudWatch source may hold between CloudWatch and the outputs, together:
// read and not yet acknowledged, plus the pages being read. A page is reserved at its largest (1 MiB, the
// FilterLogEvents limit) before it is requested, then shrunk to what it really brought, and its bytes are
// released batch by batch as they are acknowledged. When the budget is spent, reading waits: a slow output
// slows every cluster instead of growing memory.
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
  async reserve(n: number, signal: AbortSignal): Promise<void> {
    while (this.used > 0 && this.used + n > this.capacity) {
      if (signal.aborted) throw abortError();
      await this.room.wait(1000);
    }
    if (signal.aborted) throw abortError();
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
