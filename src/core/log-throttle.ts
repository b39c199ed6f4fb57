// Warnings about a condition that lasts (a source failing, a queue full, events skipped) are said when it
// begins and then at most once per interval, so an outage of an hour is a few lines, not a line per request;
// the counters beside each warning carry the exact numbers in between.

export class LogThrottle {
  private last = -Infinity;

  constructor(private readonly everyMs: number) {}

  /** Whether to log now: true the first time and once everyMs has passed since the last true. */
  due(now: number): boolean {
    if (now - this.last < this.everyMs) return false;
    this.last = now;
    return true;
  }
}
