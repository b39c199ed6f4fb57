// The re-check schedule (fetcher-design.md §2): FilterLogEvents can only select by event time, so an event
// that becomes searchable late can only be found by reading its time again. Tier 0 (the head) reads from
// its cursor to now; tier j (1..K) reads the time whose age has passed ages[j-1] (ms), one band at a time,
// never ahead of tier j-1. Every point of time is therefore read at age ~0, then again after each age; an
// event searchable within ages[K-1] of its timestamp is always found. Windows overlap their predecessor by
// at least 1 ms (skew on the head) because both bounds are inclusive; the eventId set removes repeats.
//
// cursors[j] = event time (ms) up to which tier j has read; cursors[0] >= cursors[1] >= ... >= cursors[K].

export interface TierWindow {
  tier: number;
  start: number;
  /** Inclusive; undefined for the head (open-ended). */
  end?: number;
  /** The value the tier's cursor takes once the window was read completely. */
  advanceTo: number;
}

export class Tiers {
  readonly cursors: number[];

  constructor(readonly ages: number[], readonly skewMs: number, cursors: number[]) {
    if (cursors.length !== ages.length + 1) throw new Error('internal: one cursor per tier');
    this.cursors = [...cursors];
  }

  /** Cold start: every tier starts `lookbackMs` before now. */
  static cold(ages: number[], skewMs: number, now: number, lookbackMs: number): Tiers {
    return new Tiers(ages, skewMs, Array.from({ length: ages.length + 1 }, () => now - lookbackMs));
  }

  get count(): number {
    return this.cursors.length;
  }

  head(now: number): TierWindow {
    return { tier: 0, start: this.cursors[0]! - this.skewMs, advanceTo: Math.max(this.cursors[0]!, now) };
  }

  /** Tier j's next window when it is due (one band width of time accumulated), else undefined. */
  due(j: number, now: number): TierWindow | undefined {
    const end = Math.min(now - this.ages[j - 1]!, this.cursors[j - 1]!);
    const width = this.ages[j - 1]! - (j > 1 ? this.ages[j - 2]! : 0);
    if (end - this.cursors[j]! < width) return undefined;
    return { tier: j, start: this.cursors[j]! - 1, end, advanceTo: end };
  }

  /** The most overdue deeper tier's window, or undefined when none is due. */
  nextDue(now: number): TierWindow | undefined {
    let best: TierWindow | undefined;
    let bestLag = -Infinity;
    for (let j = 1; j < this.count; j++) {
      const w = this.due(j, now);
      if (!w) continue;
      const lag = (w.end! - this.cursors[j]!) / (this.ages[j - 1]! - (j > 1 ? this.ages[j - 2]! : 0));
      if (lag > bestLag) [best, bestLag] = [w, lag];
    }
    return best;
  }

  /** Milliseconds until some deeper tier is due (0 if one is), assuming the head keeps up. */
  untilDue(now: number): number {
    let min = Infinity;
    for (let j = 1; j < this.count; j++) {
      const width = this.ages[j - 1]! - (j > 1 ? this.ages[j - 2]! : 0);
      const dueAt = this.cursors[j]! + width + this.ages[j - 1]!;
      min = Math.min(min, Math.max(0, dueAt - now));
    }
    return min;
  }

  advance(w: TierWindow): void {
    this.cursors[w.tier] = Math.max(this.cursors[w.tier]!, w.advanceTo);
  }

  /** The earliest time any tier will read again: ids of events before it are never returned again. */
  horizon(cursors: number[] = this.cursors): number {
    let h = cursors[0]! - this.skewMs;
    for (let j = 1; j < cursors.length; j++) h = Math.min(h, cursors[j]! - 1);
    return h;
  }
}
