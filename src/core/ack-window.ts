// In-order acknowledgement, which both log sources need for their checkpoints. A source hands out batches in
// order and the pipeline acknowledges them as their alerts are accepted, possibly out of order (the worker
// pool); a position may be checkpointed only once it and everything handed out before it is acknowledged.
//
//   const t = window.push(value)      // in hand-out order
//   window.ack(t)                     // any order; returns the values now released, in push order
//   window.released / window.pushed   // counts: everything up to `released` is acknowledged
//
// A ticket can also be forgotten (a batch that will never be complete: its lease was lost), so that what
// follows it is not held back by it.
export interface Ticket<T> {
  readonly seq: number;
  readonly value: T;
}

interface Entry<T> extends Ticket<T> {
  acked: boolean;
}

export class AckWindow<T> {
  private entries: Entry<T>[] = [];
  private pushedCount = 0;
  private releasedCount = 0;

  push(value: T): Ticket<T> {
    const e: Entry<T> = { seq: ++this.pushedCount, value, acked: false };
    this.entries.push(e);
    return e;
  }

  /** Acknowledges one ticket (again: no effect); returns the values released by it, oldest first. */
  ack(ticket: Ticket<T>): T[] {
    (ticket as Entry<T>).acked = true;
    return this.release();
  }

  /** Drops a ticket that will never be acknowledged; returns what that releases. */
  forget(ticket: Ticket<T>): T[] {
    const i = this.entries.indexOf(ticket as Entry<T>);
    if (i >= 0) this.entries.splice(i, 1);
    return this.release();
  }

  /** Drops every unacknowledged ticket for which `drop` holds. */
  forgetWhere(drop: (value: T) => boolean): T[] {
    this.entries = this.entries.filter((e) => e.acked || !drop(e.value));
    return this.release();
  }

  /** Tickets pushed so far (the sequence number of the last one). */
  get pushed(): number {
    return this.pushedCount;
  }

  /** Sequence number up to which everything was acknowledged (or forgotten). */
  get released(): number {
    return this.releasedCount;
  }

  /** Tickets pushed and not yet released. */
  get pending(): number {
    return this.entries.length;
  }

  /** Unreleased values for which `pred` holds. */
  count(pred: (value: T, acked: boolean) => boolean): number {
    let n = 0;
    for (const e of this.entries) if (pred(e.value, e.acked)) n++;
    return n;
  }

  private release(): T[] {
    const out: T[] = [];
    let k = 0;
    while (k < this.entries.length && this.entries[k]!.acked) out.push(this.entries[k++]!.value);
    if (k > 0) this.entries = this.entries.slice(k);
    // forgotten tickets count as released once nothing older is pending
    this.releasedCount = this.entries.length ? this.entries[0]!.seq - 1 : this.pushedCount;
    return out;
  }
}
