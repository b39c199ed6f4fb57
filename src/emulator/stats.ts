// Counters for /_emu/stats: per operation requests, errors, throttles, injected faults, events and bytes
// served; the re-read factor (events served / distinct events served) measures a fetcher's efficiency and
// the max observed request rate (per second of wall time) checks quota compliance, per operation and, in
// `perAccount`, per calling account (AWS's quotas are per account and region).

interface OpStats {
  requests: number;
  errors: Record<string, number>;
  throttled: number;
  faults: Record<string, number>;
  eventsServed: number;
  bytesServed: number;
  maxRequestsPerSecond: number;
}

/** Requests of one account: in total and per operation, with the peak over any one second of wall time. */
interface AccountStats {
  requests: number;
  throttled: number;
  maxRequestsPerSecond: number;
  operations: Record<string, { requests: number; throttled: number; maxRequestsPerSecond: number }>;
}

/** A sliding one-second window of arrival times: its largest size is the peak rate. */
class PeakRate {
  private readonly window: number[] = [];
  max = 0;
  add(atMs: number): void {
    this.window.push(atMs);
    while (this.window[0]! <= atMs - 1000) this.window.shift();
    this.max = Math.max(this.max, this.window.length);
  }
}

const THROTTLE_TYPES = new Set(['ThrottlingException', 'LimitExceededException', 'TooManyRequestsException']);

export class Stats {
  private ops = new Map<string, OpStats & { peak: PeakRate }>();
  /** account → totals and per operation, each with its peak-rate window. */
  private accounts = new Map<string, { requests: number; throttled: number; peak: PeakRate; ops: Map<string, { requests: number; throttled: number; peak: PeakRate }> }>();
  private uniqueServed = 0;

  private of(op: string) {
    let s = this.ops.get(op);
    if (!s) this.ops.set(op, (s = { requests: 0, errors: {}, throttled: 0, faults: {}, eventsServed: 0, bytesServed: 0, maxRequestsPerSecond: 0, peak: new PeakRate() }));
    return s;
  }

  record(op: string, r: { atMs: number; account?: string; error?: string; fault?: string; events: number; bytes: number }): void {
    if (r.account !== undefined) this.recordAccount(r.account, op, r.atMs, !!r.error && THROTTLE_TYPES.has(r.error));
    const s = this.of(op);
    s.requests++;
    if (r.error) s.errors[r.error] = (s.errors[r.error] ?? 0) + 1;
    if (r.error && THROTTLE_TYPES.has(r.error)) s.throttled++;
    if (r.fault) s.faults[r.fault] = (s.faults[r.fault] ?? 0) + 1;
    s.eventsServed += r.events;
    s.bytesServed += r.bytes;
    s.peak.add(r.atMs);
    s.maxRequestsPerSecond = s.peak.max;
  }

  private recordAccount(account: string, op: string, atMs: number, throttled: boolean): void {
    let a = this.accounts.get(account);
    if (!a) this.accounts.set(account, (a = { requests: 0, throttled: 0, peak: new PeakRate(), ops: new Map() }));
    let o = a.ops.get(op);
    if (!o) a.ops.set(op, (o = { requests: 0, throttled: 0, peak: new PeakRate() }));
    a.requests++;
    o.requests++;
    if (throttled) {
      a.throttled++;
      o.throttled++;
    }
    a.peak.add(atMs);
    o.peak.add(atMs);
  }

  /** Called once per event the first time any read returns it. */
  firstServe(): void {
    this.uniqueServed++;
  }

  snapshot(): { operations: Record<string, OpStats>; perAccount: Record<string, AccountStats>; eventsServed: number; uniqueEventsServed: number; reReadFactor: number | null; faultsInjected: number } {
    const operations: Record<string, OpStats> = {};
    let eventsServed = 0, faultsInjected = 0;
    for (const [op, { peak: _peak, ...s }] of this.ops) {
      operations[op] = s;
      eventsServed += s.eventsServed;
      faultsInjected += Object.values(s.faults).reduce((a, b) => a + b, 0);
    }
    const perAccount: Record<string, AccountStats> = {};
    for (const [account, a] of this.accounts) {
      perAccount[account] = {
        requests: a.requests, throttled: a.throttled, maxRequestsPerSecond: a.peak.max,
        operations: Object.fromEntries([...a.ops].map(([op, o]) => [op, { requests: o.requests, throttled: o.throttled, maxRequestsPerSecond: o.peak.max }])),
      };
    }
    return { operations, perAccount, eventsServed, uniqueEventsServed: this.uniqueServed, reReadFactor: this.uniqueServed ? eventsServed / this.uniqueServed : null, faultsInjected };
  }

  clear(): void {
    this.ops.clear();
    this.accounts.clear();
    this.uniqueServed = 0;
  }
}
