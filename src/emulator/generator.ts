// Synthetic EKS audit traffic (emulator.md §4 "Data shape"): RequestReceived/ResponseComplete pairs at a
// configured rate over S `kube-apiserver-audit-<32 hex>` streams, with rotation (every stream replaced
// by a new name every T ms, the old one stops). Lazy: events are produced up to the server clock whenever
// a request or a control call arrives, so a virtual clock drives it without timers.
import type { GeneratorConfig } from './config.js';
import { auditMessage, newRequest } from './audit-message.js';
import { AwsError } from './aws-error.js';
import { createRandom, randomHex, type Random } from './prng.js';
import { LogGroup, LogStream, type LogStore, type NewEvent } from './store.js';
import { truncateMessage } from './truncate.js';
import type { Caller } from './types.js';
import type { Visibility } from './visibility.js';

/**
 * Streams a group may hold before rotation stops (CloudWatch keeps a rotated-away stream, and so does the
 * emulator): rotating every second, a virtual clock moved by a year would otherwise make 60 million.
 */
export const MAX_ROTATED_STREAMS = 100_000;

export interface GeneratorStatus {
  group: string;
  streams: string[];
  generated: number;
  /** Rotations after the initial set of streams. */
  rotations: number;
  /** Why generation stopped (e.g. the group's event cap), if it did. */
  error?: string;
}

export class Generator {
  private readonly random: Random;
  private readonly caller: Caller;
  private streams: string[] = [];
  private nextMs: number;
  private nextRotationMs: number;
  private generated = 0;
  private rotations = 0;
  private error?: string;
  /** Second halves of request pairs waiting for their time. */
  private pending: { ms: number; stream: string; message: string }[] = [];

  /** `caller`: whose namespace the generator writes into (its accessKeyId and region, or the defaults). */
  constructor(private readonly cfg: GeneratorConfig, index: number, seed: number, caller: Caller,
    private readonly store: LogStore, private readonly visibility: Visibility, now: number) {
    this.random = createRandom(seed, `generator-${index}`);
    this.caller = caller;
    this.nextMs = cfg.startMs ?? now;
    this.nextRotationMs = cfg.rotateEveryMs > 0 ? this.nextMs + cfg.rotateEveryMs : Infinity;
    const groups = store.groups(this.caller);
    if (!groups.has(cfg.group)) groups.set(cfg.group, new LogGroup(cfg.group, now, caller.account));
    this.rotate(this.nextMs);
    this.rotations = 0;
  }

  /** Replaces every stream by a freshly named one (also available on demand via the control API). */
  rotate(atMs: number): void {
    const group = this.store.groups(this.caller).get(this.cfg.group);
    this.streams = Array.from({ length: this.cfg.streams }, () => `${this.cfg.streamPrefix}${randomHex(this.random, 32)}`);
    if (group) for (const name of this.streams) group.streams.set(name, new LogStream(name, atMs));
    this.rotations++;
  }

  catchUp(now: number): void {
    if (this.error) return;
    const group = this.store.groups(this.caller).get(this.cfg.group);
    if (!group) return; // deleted by a test: the cluster keeps logging into the void
    const batch: NewEvent[] = [];
    const meanGapMs = 1000 / this.cfg.ratePerSec;
    // the group cap bounds the work of one catch-up too (a virtual clock can jump by days)
    const room = this.store.capacityLeft(group);
    while (this.nextMs <= now) {
      if (batch.length + this.pending.length + 2 > room) {
        this.error = `stopped at ${new Date(this.nextMs).toISOString()}: log group '${this.cfg.group}' is full (maxEventsPerGroup=${group.events.size + room})`;
        break;
      }
      this.flushPending(this.nextMs, batch, group);
      this.rotateUpTo(this.nextMs);
      if (this.error) break;
      const ms = Math.floor(this.nextMs);
      const stream = this.streams[Math.floor(this.random() * this.streams.length)]!;
      const request = newRequest(this.random, ms);
      const doneMs = ms + 1 + Math.floor(this.random() * 40);
      batch.push(this.event(stream, ms, auditMessage(request, 'RequestReceived', ms)));
      this.pending.push({ ms: doneMs, stream, message: auditMessage(request, 'ResponseComplete', doneMs) });
      // exponential gaps (Poisson arrivals) of twice the mean: each request yields two events
      this.nextMs += -Math.log(1 - this.random()) * meanGapMs * 2;
    }
    this.flushPending(Math.min(now, this.nextMs), batch, group);
    if (this.nextMs > now) this.rotateUpTo(now);
    if (!batch.length) return;
    try {
      this.store.insert(group, batch);
      this.generated += batch.length;
    } catch (e) {
      this.error = e instanceof AwsError ? e.message : String(e);
    }
  }

  /** Rotations are due on the clock, whether or not events arrive in between. */
  private rotateUpTo(ms: number): void {
    while (this.nextRotationMs <= ms) {
      const group = this.store.groups(this.caller).get(this.cfg.group);
      if (group && group.streams.size + this.cfg.streams > MAX_ROTATED_STREAMS) {
        this.error = `stopped at ${new Date(this.nextRotationMs).toISOString()}: log group '${this.cfg.group}' holds ${group.streams.size} streams, the most rotation makes (${MAX_ROTATED_STREAMS})`;
        this.nextRotationMs = Infinity;
        return;
      }
      this.rotate(this.nextRotationMs);
      this.nextRotationMs += this.cfg.rotateEveryMs;
    }
  }

  status(): GeneratorStatus {
    return { group: this.cfg.group, streams: [...this.streams], generated: this.generated, rotations: this.rotations, ...(this.error ? { error: this.error } : {}) };
  }

  private flushPending(upTo: number, batch: NewEvent[], group: LogGroup): void {
    const due = this.pending.filter((p) => p.ms <= upTo);
    if (!due.length) return;
    this.pending = this.pending.filter((p) => p.ms > upTo);
    // a stream rotated away meanwhile keeps its last events (the old API server instance finishes them)
    for (const p of due) if (group.streams.has(p.stream)) batch.push(this.event(p.stream, p.ms, p.message));
  }

  private event(stream: string, ms: number, message: string): NewEvent {
    const cut = truncateMessage(message, this.cfg.truncateAt);
    const ingestionTime = ms + this.cfg.ingestDelayMs + this.visibility.lagOf(stream);
    return { stream, timestamp: ms, ingestionTime, visibleAt: this.visibility.visibleAt(stream, ingestionTime), message: cut.message, truncated: cut.truncated };
  }
}
