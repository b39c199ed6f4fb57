// Counters for /_emu/stats: per operation requests, errors, throttles, injected faults, events and bytes
// served; the re-read factor (events served / distinct events served) measures a fetcher's efficiency and
// the max observed request rate (per second of wall time) checks quota compliance.

interface OpStats {
  requests: number;
  errors: Record<string, number>;
  throttled: number;
  faults: Record<string, number>;
  eventsServed: number;
  bytesServed: number;
  maxRequestsPerSecond: number;
}

const THROTTLE_TYPES = new Set(['ThrottlingException', 'LimitExceededException', 'TooManyRequestsException']);

export class Stats {
  private ops = new Map<string, OpStats & { window: number[] }>();
  private uniqueServed = 0;

  private of(op: string) {
    let s = this.ops.get(op);
    if (!s) this.ops.set(op, (s = { requests: 0, errors: {}, throttled: 0, faults: {}, eventsServed: 0, bytesServed: 0, maxRequestsPerSecond: 0, window: [] }));
    return s;
  }

  record(op: string, r: { atMs: number; error?: string; fault?: string; events: number; bytes: number }): void {
    const s = this.of(op);
    s.requests++;
    if (r.error) s.errors[r.error] = (s.errors[r.error] ?? 0) + 1;
    if (r.error && THROTTLE_TYPES.has(r.error)) s.throttled++;
    if (r.fault) s.faults[r.fault] = (s.faults[r.fault] ?? 0) + 1;
    s.eventsServed += r.events;
    s.bytesServed += r.bytes;
    // sliding one-second window of arrival times: its largest size is the peak rate
    s.window.push(r.atMs);
    while (s.window[0]! <= r.atMs - 1000) s.window.shift();
    s.maxRequestsPerSecond = Math.max(s.maxRequestsPerSecond, s.window.length);
  }

  /** Called once per event the first time any read returns it. */
  firstServe(): void {
    this.uniqueServed++;
  }

  snapshot(): { operations: Record<string, OpStats>; eventsServed: number; uniqueEventsServed: number; reReadFactor: number | null; faultsInjected: number } {
    const operations: Record<string, OpStats> = {};
    let eventsServed = 0, faultsInjected = 0;
    for (const [op, { window: _window, ...s }] of this.ops) {
      operations[op] = s;
      eventsServed += s.eventsServed;
      faultsInjected += Object.values(s.faults).reduce((a, b) => a + b, 0);
    }
    return { operations, eventsServed, uniqueEventsServed: this.uniqueServed, reReadFactor: this.uniqueServed ? eventsServed / this.uniqueServed : null, faultsInjected };
  }

  clear(): void {
    this.ops.clear();
    this.uniqueServed = 0;
  }
}
