// Reused SharedArrayBuffers for byte ranges a worker reads where they lie (a stream's pieces): fresh shared
// memory costs a page fault per 4 KiB the first time it is written, which made up most of a piece's copy.
// A buffer goes back once whatever read it is over; a few are kept.

export class SharedBuffers {
  private readonly free: SharedArrayBuffer[] = [];

  /** `minBytes`: the least a new buffer holds, so that later takes fit it; `keep`: buffers kept at most. */
  constructor(private readonly minBytes: number, private readonly keep: number) {}

  /** `bytes` copied into shared memory: a view of exactly their length. */
  copy(bytes: Uint8Array): Uint8Array {
    const view = this.take(bytes.length);
    view.set(bytes);
    return view;
  }

  /** A view of `n` bytes of shared memory (their content is whatever it held). */
  take(n: number): Uint8Array {
    const i = this.free.findIndex((b) => b.byteLength >= n);
    const buffer = i >= 0 ? this.free.splice(i, 1)[0] : new SharedArrayBuffer(Math.max(n, this.minBytes));
    return new Uint8Array(buffer, 0, n);
  }

  /** A view take() or copy() gave, once nothing reads it any more; other memory is ignored. */
  give(view: Uint8Array): void {
    if (view.buffer instanceof SharedArrayBuffer && this.free.length < this.keep) this.free.push(view.buffer);
  }
}
