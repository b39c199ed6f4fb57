// The re-check schedule (fetcher-design.md §2): FilterLogEvents can only select by event time, so an event
// that becomes searchable late can only be found by reading its time again. Tier 0 (the head) reads from
// its cursor to now; tier j (1..K) reads the time whose age has passed ages[j-1] (ms), one band at a time,
// never ahead of tier j-1. Every point of time is therefore read at age ~0, then again after each age; an
// event searchable within ages[K-1] of its timestamp is always found. Windows overlap their predecessor by
// at least 1 ms (skew on the head) because both bounds are inclusive; the eventId set removes repeats.
//
// When the request budget is short (a busy cluster at the account's quota: the head reads first), re-checks
// are deferred, never dropped, and fall behind. A band read late is already old enough for the deeper tiers
// too, so one read then serves all of them: the window starts at the deepest such tier's cursor and moves
// every one of their cursors. Reading behind schedule thus costs about one re-read of the data instead of K,
// and an event that became searchable within the last age is still found (it is read at an age past all of
// them); only how soon a late event is found suffers.
//
// cursors[j] = event time (ms) up to which tier j has read; cursors[0] >= cursors[1] >= ... >= cursors[K].

export interface TierWindow {
  /** The shallowest tier the window reads for (0: the head). */
  tier: number;
  /** Every tier whose cursor the window moves (tier, and deeper ones it serves too). */
  tiers: number[];
  start: number;
  /** Inclusive; undefined for the head (open-ended). */
  end?: number;
  /** The value the tiers' cursors take once the window was read completely. */
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

  /** The head's window, reading `overlap` (at most skewMs) before its cursor again; its cursor moves to `now`
   *  at least, or further once read (HeadEdge). */
  head(now: number, overlap = this.skewMs): TierWindow {
    return { tier: 0, tiers: [0], start: this.cursors[0]! - Math.min(overlap, this.skewMs), advanceTo: Math.max(this.cursors[0]!, now) };
  }

  private width(j: number): number {
    return this.ages[j - 1]! - (j > 1 ? this.ages[j - 2]! : 0);
  }

  /** Tier j's next window when it is due (one band width of time accumulated), else undefined. */
  due(j: number, now: number): TierWindow | undefined {
    let end = Math.min(now - this.ages[j - 1]!, this.cursors[j - 1]!);
    const from = this.cursors[j]!;
    if (end - from < this.width(j)) return undefined;
    // behind schedule, the oldest part of the band is already due for deeper tiers too: read up to where the
    // deepest of them is due, once for all
    const tiers = [j];
    for (let d = j + 1; d < this.count && now - this.ages[d - 1]! - from >= this.width(j); d++) {
      tiers.push(d);
      end = Math.min(end, now - this.ages[d - 1]!);
    }
    const deepest = tiers[tiers.length - 1]!;
    return { tier: j, tiers, start: this.cursors[deepest]! - 1, end, advanceTo: end };
  }

  /** The most overdue deeper tier's window, or undefined when none is due. */
  nextDue(now: number): TierWindow | undefined {
    let best: TierWindow | undefined;
    let bestLag = -Infinity;
    for (let j = 1; j < this.count; j++) {
      const w = this.due(j, now);
      if (!w) continue;
      const lag = (w.end! - this.cursors[j]!) / this.width(j);
      if (lag > bestLag) [best, bestLag] = [w, lag];
    }
    return best;
  }

  /** Milliseconds until some deeper tier is due (0 if one is), assuming the head keeps up. */
  untilDue(now: number): number {
    let min = Infinity;
    for (let j = 1; j < this.count; j++) {
      const dueAt = this.cursors[j]! + this.width(j) + this.ages[j - 1]!;
      min = Math.min(min, Math.max(0, dueAt - now));
    }
    return min;
  }

  /** How far behind schedule each re-check tier is (ms of due time not read yet; 0 when on time). */
  backlog(now: number): number[] {
    const out: number[] = [];
    for (let j = 1; j < this.count; j++) out.push(Math.max(0, now - this.ages[j - 1]! - this.width(j) - this.cursors[j]!));
    return out;
  }

  advance(w: TierWindow): void {
    for (const t of w.tiers) this.cursors[t] = Math.max(this.cursors[t]!, w.advanceTo);
  }

  /** The earliest time any tier will read again: ids of events before it are never returned again. */
  horizon(cursors: number[] = this.cursors): number {
    let h = cursors[0]! - this.skewMs;
    for (let j = 1; j < cursors.length; j++) h = Math.min(h, cursors[j]! - 1);
    return h;
  }
}

/**
 * How far a head read may move the head's cursor. The head's window is open-ended and new events keep
 * arriving while it is paged, so its pages are asked for over a stretch of time (seconds, when it catches up
 * at the request quota); each page answers with what was searchable when it was asked for. An event missing
 * from a page because it became searchable at most skewMs after its timestamp has a timestamp after
 * (asked for - skewMs), and lies at or before the page's last event (the next page starts after it), so a
 * page whose last event is older than that missed none of them. The first page that could have missed one
 * (the last page always could: it reached the newest events; so could an empty page, whose span is unknown)
 * is where the next head read must start skewMs before. Moving the cursor there, rather than to when the read
 * began, keeps the head's promise (every event searchable within skewMs of its timestamp is found by the
 * head) without reading a long catch-up again in full: with the cursor left at the read's start, each read
 * re-read everything the previous one had caught up on, took longer, and fell further behind.
 */
export class HeadEdge {
  /** Undefined until a page that could have missed an event was read. */
  at: number | undefined;

  constructor(private readonly skewMs: number) {}

  page(sentAt: number, lastTimestamp: number | undefined, more: boolean): void {
    if (this.at !== undefined) return;
    if (!more || lastTimestamp === undefined || lastTimestamp > sentAt - this.skewMs) this.at = sentAt;
  }

  /** The window with its cursor's destination moved to the edge. */
  advanced(w: TierWindow): TierWindow {
    return this.at === undefined ? w : { ...w, advanceTo: Math.max(w.advanceTo, this.at) };
  }
}
