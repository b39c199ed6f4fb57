// How much time each head read reads again before the head's cursor (cloudwatch.skew_ms). An event the head
// missed because it became searchable late is found by the next head read only if it was at most the overlap
// late; a later one waits for the first re-check tier (tiers.ts), so nothing is lost either way, only found
// sooner or later. But the overlap is paid on every read, before any new event: at 2,000 events/s of 1.4 KB,
// 1.5 s of overlap is 4 MB, four of the account's five FilterLogEvents requests a second, and a head that
// needs more than the quota falls behind with every event it reads.
//
// So unless skew_ms sets it, the overlap follows how late events actually are: the largest
// ingestionTime - timestamp of the events found in the last minute, plus a margin for what the ingestion time
// does not show (an event searchable some time after it was ingested, a millisecond partly visible), never
// more than skew_ms's default. A cluster whose API servers' logs arrive a second late keeps the full overlap;
// a busy one whose events arrive within tens of milliseconds re-reads a few hundred milliseconds. An event
// later than the largest overlap could not have been caught by any overlap: it leaves the overlap as it is
// (the re-checks find such events), so one API server's stream arriving 10 s late does not make every head
// read pay the largest overlap for nothing.

/** Added to the lateness seen. */
export const OVERLAP_MARGIN_MS = 250;
const WINDOW_S = 60;

export class HeadOverlap {
  private readonly second = new Float64Array(WINDOW_S).fill(-Infinity);
  private readonly worst = new Float64Array(WINDOW_S);

  /** @param maxMs the overlap with nothing seen yet, and the most it grows to; @param fixed: always maxMs. */
  constructor(readonly maxMs: number, private readonly fixed: boolean) {}

  /** An event found `lateMs` after its timestamp (ingestionTime - timestamp), at `now`. */
  record(lateMs: number, now: number): void {
    if (this.fixed || lateMs >= this.maxMs) return;
    const s = Math.floor(now / 1000);
    const i = s % WINDOW_S;
    if (this.second[i] !== s) {
      this.second[i] = s;
      this.worst[i] = 0;
    }
    if (lateMs > this.worst[i]!) this.worst[i] = lateMs;
  }

  /** The overlap of the head read starting now (ms). */
  value(now: number): number {
    if (this.fixed) return this.maxMs;
    const s = Math.floor(now / 1000);
    let worst = -1;
    for (let i = 0; i < WINDOW_S; i++) {
      if (this.second[i]! > s - WINDOW_S && this.worst[i]! > worst) worst = this.worst[i]!;
    }
    // nothing seen for a minute: no evidence that events are on time
    return worst < 0 ? this.maxMs : Math.min(this.maxMs, Math.ceil(worst) + OVERLAP_MARGIN_MS);
  }
}
