// The request log: the last N AWS requests (ring buffer, so memory stays bounded on long runs), for tests
// that assert retries (amz-sdk-request attempt=n; max=m), pacing and faults.

export interface RequestLogEntry {
  /** Increasing id; pass the last one seen as `since` to read only newer entries. */
  id: number;
  /** Wall clock ms when the request arrived. */
  at: number;
  /** Emulator (server) clock ms. */
  serverTime: number;
  op: string;
  status: number;
  /** __type of an error answer. */
  error?: string;
  /** Injected fault kind, if any. */
  fault?: string;
  accessKeyId?: string;
  region?: string;
  /** The caller's account (identity.ts). */
  account?: string;
  /** From amz-sdk-request: attempt=n; max=m. */
  attempt?: number;
  maxAttempts?: number;
  invocationId?: string;
  latencyMs: number;
  events: number;
  bytes: number;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private nextId = 1;
  constructor(private capacity: number) {}

  resize(capacity: number): void {
    this.capacity = capacity;
    if (this.entries.length > capacity) this.entries = this.entries.slice(-capacity);
  }

  add(entry: Omit<RequestLogEntry, 'id'>): RequestLogEntry {
    const full = { id: this.nextId++, ...entry };
    this.entries.push(full);
    // amortized trim: drop the oldest half-capacity at once instead of shifting per request
    if (this.entries.length > this.capacity * 1.5) this.entries = this.entries.slice(-this.capacity);
    return full;
  }

  list(since = 0): RequestLogEntry[] {
    const kept = this.entries.slice(-this.capacity);
    return since > 0 ? kept.filter((e) => e.id > since) : kept;
  }

  clear(): void {
    this.entries = [];
  }
}
