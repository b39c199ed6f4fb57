// Where one log group's reading stands, and what of it is durable. A tier's cursor moves as soon as a
// window was read (tiers.ts), but the checkpoint may only hold a cursor once every batch handed out before
// that read ended was acknowledged (its alerts accepted by the outputs); and the id set it stores holds only
// acknowledged ids. A restart from the checkpoint therefore reads again exactly what was not acknowledged,
// and the id set suppresses the rest.
//
//   emitted(ids)          a batch of these new ids was handed out: returns its ticket
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
}

export class Positions {
  readonly tiers: Tiers;
  readonly seen: SeenIds;
  private readonly durable: number[];
  private readonly pending: { tier: number; value: number; afterSeq: number }[] = [];
  private readonly acks = new AckWindow<Emitted>();
  /** Ids handed out and not acknowledged: never written to the checkpoint. */
  private readonly unackedIds = new Set<string>();
  private unacked = 0;
  /** Set when something durable changed since the last snapshot. */
  dirty = false;
  /** Notified at every acknowledgement: room in the buffer. */
  readonly acknowledged = new Notifier();

  constructor(tiers: Tiers, seen: SeenIds = new SeenIds()) {
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

  emitted(ids: string[]): Ticket<Emitted> {
    for (const id of ids) this.unackedIds.add(id);
    this.unacked += ids.length;
    return this.acks.push({ ids });
  }

  acked(ticket: Ticket<Emitted>): void {
    for (const e of this.acks.ack(ticket)) {
      for (const id of e.ids) this.unackedIds.delete(id);
      this.unacked -= e.ids.length;
    }
    this.dirty = true;
    this.settle();
    this.acknowledged.notify();
  }

  /** A window was read completely: move the tier's cursor; it becomes durable once acknowledged. */
  windowRead(w: TierWindow): void {
    this.tiers.advance(w);
    this.pending.push({ tier: w.tier, value: this.tiers.cursors[w.tier]!, afterSeq: this.acks.pushed });
    this.settle();
  }

  /** The checkpoint's content: durable cursors and the acknowledged ids some tier may still read again. */
  snapshot(): Pick<CheckpointState, 'cursors' | 'seen'> {
    const horizon = this.tiers.horizon(this.durable);
    this.dirty = false;
    return { cursors: [...this.durable], seen: this.seen.encode(horizon, (id) => !this.unackedIds.has(id)) };
  }

  /** Moves the durable cursors of reads whose every batch was acknowledged. */
  private settle(): void {
    let moved = false;
    while (this.pending.length && this.pending[0]!.afterSeq <= this.acks.released) {
      const p = this.pending.shift()!;
      if (p.value > this.durable[p.tier]!) {
        this.durable[p.tier] = p.value;
        moved = true;
      }
    }
    if (!moved) return;
    this.dirty = true;
    // ids below the durable horizon will never be read again, even after a restart from the checkpoint
    this.seen.evictBelow(this.tiers.horizon(this.durable));
  }
}
