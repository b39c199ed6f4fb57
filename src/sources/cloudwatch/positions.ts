// Where one log group's reading stands, and what of it is durable. A tier's cursor moves as soon as a
// window was read (tiers.ts), but the checkpoint may only hold a cursor once every batch handed out before
// that read ended was acknowledged (its alerts accepted by the outputs); and the id set it stores holds only
// acknowledged ids. A restart from the checkpoint therefore reads again exactly what was not acknowledged,
// and the id set suppresses the rest.
//
//   isNew(id, timestamp)  an event read: false when it was delivered already (else it is now)
//   emitted(ids, times)   a batch of these new events was handed out: returns its ticket
//   acked(ticket)         the pipeline acknowledged it (any order)
//   windowRead(w)         a window was read completely: its cursor becomes durable once everything handed
//                         out before now is acknowledged
//   snapshot()            what the checkpoint stores now
import { AckWindow, type Ticket } from '../../core/ack-window.js';
import { Notifier } from '../../core/notifier.js';
import type { CheckpointState } from './checkpoint-state.js';
import { SeenIds } from './seen.js';
import { Tiers, type TierWindow } from './tiers.js';

interface Emitted {
  ids: string[];
  times: number[];
}

export class Positions {
  readonly tiers: Tiers;
  readonly seen: SeenIds;
  private readonly durable: number[];
  private readonly pending: { tiers: number[]; value: number; afterSeq: number }[] = [];
  private readonly acks = new AckWindow<Emitted>();
  private unacked = 0;
  /** Seconds of event time no longer re-checked because the id budget was spent (see seen.ts). */
  skippedSeconds = 0;
  /** Set when something durable changed since the last snapshot. */
  dirty = false;
  /** Notified at every acknowledgement: room in the buffer. */
  readonly acknowledged = new Notifier();

  constructor(tiers: Tiers, seen: SeenIds) {
    this.tiers = tiers;
    this.seen = seen;
    this.durable = [...tiers.cursors];
  }

  /** Events handed out and not yet acknowledged. */
  get held(): number {
    return this.unacked;
  }

  /** The cursors a restart would resume from. */
  get durableCursors(): readonly number[] {
    return this.durable;
  }

  /** False when the event was delivered already; else records its id (pending until acknowledged). */
  isNew(id: string, timestamp: number): boolean {
    if (this.seen.has(id, timestamp)) return false;
    this.seen.add(id, timestamp);
    while (this.seen.overBudget) this.giveUpOldestSecond();
    return true;
  }

  emitted(ids: string[], times: number[]): Ticket<Emitted> {
    this.unacked += ids.length;
    return this.acks.push({ ids, times });
  }

  acked(ticket: Ticket<Emitted>): void {
    for (const e of this.acks.ack(ticket)) {
      e.ids.forEach((id, k) => this.seen.acknowledge(id, e.times[k]!));
      this.unacked -= e.ids.length;
    }
    this.dirty = true;
    this.settle();
    this.acknowledged.notify();
  }

  /** A window was read completely: move the tier's cursor; it becomes durable once acknowledged. */
  windowRead(w: TierWindow): void {
    this.tiers.advance(w);
    this.pending.push({ tiers: w.tiers, value: this.tiers.cursors[w.tier]!, afterSeq: this.acks.pushed });
    this.settle();
  }

  /** The checkpoint's content: durable cursors and the acknowledged ids some tier may still read again. */
  snapshot(): Pick<CheckpointState, 'cursors' | 'seen'> {
    const horizon = this.tiers.horizon(this.durable);
    this.dirty = false;
    return { cursors: [...this.durable], seen: this.seen.encode(horizon) };
  }

  /** Over the id budget: the oldest second's ids go, and no re-check reads that second again (re-reading it
   *  without its ids would deliver all its events again). */
  private giveUpOldestSecond(): void {
    const second = this.seen.evictOldest();
    if (second === undefined) return;
    const past = second + 1000;
    const c = this.tiers.cursors;
    for (let j = 1; j < c.length; j++) {
      if (c[j]! < past) c[j] = Math.min(past, c[j - 1]!);
      if (this.durable[j]! < c[j]!) this.durable[j] = c[j]!;
    }
    this.skippedSeconds++;
    this.dirty = true;
  }

  /** Moves the durable cursors of reads whose every batch was acknowledged. */
  private settle(): void {
    let moved = false;
    while (this.pending.length && this.pending[0]!.afterSeq <= this.acks.released) {
      const p = this.pending.shift()!;
      for (const t of p.tiers) {
        if (p.value <= this.durable[t]!) continue;
        this.durable[t] = p.value;
        moved = true;
      }
    }
    if (!moved) return;
    this.dirty = true;
    // ids below the durable horizon will never be read again, even after a restart from the checkpoint
    this.seen.evictBelow(this.tiers.horizon(this.durable));
  }
}
