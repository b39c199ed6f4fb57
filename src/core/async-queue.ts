// The bounded queue between a producer and a consumer that every source uses: at most `maxItems` items and
// (when sizes are given) `maxBytes` bytes, so a slow consumer stops the producer instead of growing memory.
// put() waits for room; take() waits for an item. close() lets the consumer drain what is queued and then
// ends the iteration; fail() ends it with an error after the queued items; abandon() drops everything now.
//
// One item is always admitted into an empty queue whatever its size, so an item larger than maxBytes cannot
// wedge the producer; its size is then the bound.
import { Notifier } from './notifier.js';

export interface AsyncQueueOptions<T> {
  maxItems: number;
  /** Bytes queued at most; needs `size`. */
  maxBytes?: number;
  size?(item: T): number;
}

export class AsyncQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private queuedBytes = 0;
  private closed = false;
  private error: { e: unknown } | undefined;
  private readonly room = new Notifier();
  private readonly ready = new Notifier();

  constructor(private readonly opts: AsyncQueueOptions<T>) {}

  get length(): number {
    return this.items.length;
  }

  get bytes(): number {
    return this.queuedBytes;
  }

  /** Set once close(), fail() or abandon() was called: put() refuses. */
  get ended(): boolean {
    return this.closed;
  }

  /** Would `item` fit now? */
  fits(item: T): boolean {
    if (this.items.length === 0) return true;
    if (this.items.length >= this.opts.maxItems) return false;
    const max = this.opts.maxBytes;
    return max === undefined || this.queuedBytes + this.sizeOf(item) <= max;
  }

  /** Queues the item, waiting for room; false (not queued) when the queue ended first. */
  async put(item: T): Promise<boolean> {
    while (!this.closed && !this.fits(item)) await this.room.wait();
    if (this.closed) return false;
    this.items.push(item);
    this.queuedBytes += this.sizeOf(item);
    this.ready.notify();
    return true;
  }

  /** Queues the item only if it fits now. */
  tryPut(item: T): boolean {
    if (this.closed || !this.fits(item)) return false;
    this.items.push(item);
    this.queuedBytes += this.sizeOf(item);
    this.ready.notify();
    return true;
  }

  /** The next item; undefined once the queue is closed and drained. Throws the error given to fail(). */
  async take(): Promise<T | undefined> {
    for (;;) {
      const item = this.shift();
      if (item !== undefined) return item.value;
      if (this.error) throw this.error.e;
      if (this.closed) return undefined;
      await this.ready.wait();
    }
  }

  /** The next item if there is one now. */
  poll(): T | undefined {
    return this.shift()?.value;
  }

  /** No more items: the consumer drains the queue, then its iteration ends. */
  close(): void {
    this.closed = true;
    this.ready.notify();
    this.room.notify();
  }

  /** Ends the iteration with `e` once the queued items are taken. */
  fail(e: unknown): void {
    this.error ??= { e };
    this.close();
  }

  /** Drops every queued item and closes; returns the dropped items (to reject or count them). */
  abandon(): T[] {
    const dropped = this.items;
    this.items = [];
    this.queuedBytes = 0;
    this.close();
    return dropped;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = await this.take();
      if (item === undefined) return;
      yield item;
    }
  }

  private shift(): { value: T } | undefined {
    if (this.items.length === 0) return undefined;
    const value = this.items.shift() as T;
    this.queuedBytes -= this.sizeOf(value);
    this.room.notify();
    return { value };
  }

  private sizeOf(item: T): number {
    return this.opts.size ? this.opts.size(item) : 0;
  }
}
