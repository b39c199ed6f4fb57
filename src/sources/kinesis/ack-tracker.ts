// Which sequence number a shard may checkpoint: batches are kept in fetch order, acknowledgements may arrive
// in any order, and the checkpoint moves only to the last sequence number of a batch that is acknowledged
// together with every batch fetched before it (design.md §2.6). Sequence numbers are decimal strings of any
// length; only their order in the shard matters here, which is the fetch order.
export interface Entry {
  readonly seq: string;
  state: 'queued' | 'handed' | 'acked';
}

export class AckTracker {
  private readonly entries: Entry[] = [];

  /** A batch fetched (its records' last sequence number), waiting to be handed downstream. */
  push(seq: string): Entry {
    const e: Entry = { seq, state: 'queued' };
    this.entries.push(e);
    return e;
  }

  ack(e: Entry): void {
    e.state = 'acked';
  }

  /** The sequence number the shard may checkpoint now, if it moved; forgets the batches it covers. */
  advance(): string | undefined {
    let seq: string | undefined;
    while (this.entries.length && this.entries[0]!.state === 'acked') seq = this.entries.shift()!.seq;
    return seq;
  }

  /** Fetched and not acknowledged (queued here or downstream). */
  get pending(): number {
    return this.entries.filter((e) => e.state !== 'acked').length;
  }

  /** Handed downstream and not acknowledged yet. */
  get handed(): number {
    return this.entries.filter((e) => e.state === 'handed').length;
  }

  /** Forgets one batch that will never be complete (partly handed downstream when its lease ended). */
  forget(e: Entry): void {
    const i = this.entries.indexOf(e);
    if (i >= 0) this.entries.splice(i, 1);
  }

  /** Forgets the batches never handed downstream (they are read again by the next owner). */
  dropQueued(): void {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]!.state === 'queued') this.entries.splice(i, 1);
  }
}

