// The lease coordination loop of one process (KCL 2.x protocol, no leader; leases.md, design.md §2-5, §8):
//
// - renew loop, every renewIntervalMs: each held lease's counter is bumped on condition that we still own it
//   at the counter we know. A failed condition is re-read once: owner = us at counter + 1 means our earlier
//   attempt landed and only its answer was lost; anything else means the lease is lost, and the reader stops
//   at once. A renewal that comes back with `handoffTo` set is a graceful hand-off request.
// - self-fencing: a lease whose last successful renewal is older than duration - renewInterval is fenced —
//   its reader hands nothing new downstream and writes no checkpoint — so a paused or partitioned process
//   stops emitting before any other process can consider the lease expired and take it.
// - scan loop, every scanIntervalMs: shard sync (creates missing leases), then balance.ts decides which
//   leases to take (counter-conditioned) and whom to ask for one. An unanswered request is turned into a
//   forced take after 2 × duration; with graceful_handoff off the lease is taken at once (a steal).
// - every write of one lease goes through its WriteLock, so renewal and checkpoint never race each other.
import type { Logger } from '../../../core/logger.js';
import { ExpiryTracker, plan } from './balance.js';
import type { LeaseItem, LeaseTable } from './table.js';
import { WriteLock } from './write-lock.js';

/**
 * This process's tenure of one lease. A reader holds its Tenure object, not the shard id: once the tenure
 * is lost, its writes are refused even if the process takes the same lease again (a new Tenure).
 */
export class Tenure {
  readonly lock = new WriteLock();
  state: 'held' | 'handing-off' | 'released' | 'lost' = 'held';
  handoffTo: string | undefined;

  constructor(
    readonly shardId: string,
    public counter: number,
    /** The checkpoint when the lease was taken, then the last one written. */
    public checkpoint: string,
    readonly parentShardIds: string[],
    /** Monotonic ms of the last successful renewal (or of the take). */
    public lastRenewOk: number,
  ) {}

  get active(): boolean {
    return this.state === 'held' || this.state === 'handing-off';
  }
}

export interface LeaseListener {
  acquired(t: Tenure): void;
  /** The lease is gone (taken by another process): stop reading it now, checkpoint nothing more. */
  lost(t: Tenure): void;
  /** Another process asked for the lease: finish what is in flight, checkpoint, then release(t, t.handoffTo). */
  handoffRequested(t: Tenure): void;
}

export interface LeaseCounters {
  taken: number;
  /** Taken from another owner: expired (its process died or stalled) or forced after an unanswered request. */
  takeovers: number;
  handoffsIn: number;
  handoffsOut: number;
  released: number;
  lost: number;
  renewFailures: number;
  scans: number;
}

export interface LeaseManagerOptions {
  table: LeaseTable;
  /** Called after each checkpoint written (any shard). */
  onCheckpoint?: () => void;
  workerId: string;
  leaseDurationMs: number;
  renewIntervalMs: number;
  scanIntervalMs: number;
  /** 0: no limit. */
  maxLeasesPerWorker: number;
  gracefulHandoff: boolean;
  listener: LeaseListener;
  /** Creates the leases of shards that have none; true when it created some (the scan is then repeated). */
  sync?(leases: LeaseItem[], signal: AbortSignal): Promise<boolean>;
  /** Called with each counter change (metrics). */
  onChange?(counters: Readonly<LeaseCounters>, held: number): void;
  logger?: Logger;
  /** Monotonic ms (tests pass a fake). */
  clock?: () => number;
}

interface Ask {
  shardId: string;
  victim: string;
  at: number;
}

export class LeaseManager {
  readonly counters: LeaseCounters = { taken: 0, takeovers: 0, handoffsIn: 0, handoffsOut: 0, released: 0, lost: 0, renewFailures: 0, scans: 0 };
  private readonly held = new Map<string, Tenure>();
  private readonly tracker: ExpiryTracker;
  private readonly clock: () => number;
  private readonly abort = new AbortController();
  private taking = true;
  private renewTimer: NodeJS.Timeout | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private ask: Ask | undefined;
  /** Last scan's view of every lease, for the reader's parent checks and for the health summary. */
  lastScan: LeaseItem[] = [];
  /** Why the last lease scan failed; undefined once one succeeds (the source's readiness). */
  scanProblem: string | undefined;

  constructor(private readonly o: LeaseManagerOptions) {
    this.tracker = new ExpiryTracker(o.leaseDurationMs);
    this.clock = o.clock ?? (() => performance.now());
  }

  get workerId(): string {
    return this.o.workerId;
  }

  tenures(): Tenure[] {
    return [...this.held.values()];
  }

  /** Starts renewing and scanning; the first scan runs now. */
  start(): void {
    this.renewTimer = setInterval(() => void this.renewAll(), this.o.renewIntervalMs);
    this.scanTimer = setInterval(() => void this.scanOnce(), this.o.scanIntervalMs);
    void this.scanOnce();
  }

  /**
   * Stops taking and asking (shutdown): renewals go on until stop(). A pending hand-off request is withdrawn,
   * and a lease handed to us before that is released at once, so none stays with a process that is leaving.
   */
  async stopTaking(): Promise<void> {
    if (!this.taking) return;
    this.taking = false;
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.scanTimer = undefined;
    await this.scanning;
    const ask = this.ask;
    this.ask = undefined;
    if (!ask) return;
    const me = this.o.workerId;
    try {
      await this.o.table.withdrawHandoff(ask.shardId, me, this.abort.signal);
      const l = await this.o.table.get(ask.shardId, this.abort.signal);
      if (l?.leaseOwner === me && !this.held.has(l.leaseKey)) await this.o.table.release(l.leaseKey, me, l.leaseCounter, undefined, this.abort.signal);
    } catch (e) {
      this.o.logger?.warn({ shard: ask.shardId, err: (e as Error).message }, 'could not withdraw the hand-off request: the lease may wait for its expiry');
    }
  }

  async stop(): Promise<void> {
    await this.stopTaking();
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    this.abort.abort();
    // wait for writes already under way
    await Promise.all([...this.held.values()].map((t) => t.lock.run(async () => undefined)));
  }

  /** The reader must not hand anything new downstream nor checkpoint: renewals have been failing too long. */
  fenced(t: Tenure): boolean {
    return !t.active || this.clock() - t.lastRenewOk > this.o.leaseDurationMs - this.o.renewIntervalMs;
  }

  /**
   * Writes a checkpoint under the lease. False when it was not written: fenced, DynamoDB failing (the caller
   * tries again later), or the lease turned out to be lost (the listener is told).
   */
  checkpoint(t: Tenure, checkpoint: string): Promise<boolean> {
    return t.lock.run(async () => {
      if (!t.active || this.fenced(t)) return false;
      let ok: boolean;
      try {
        ok = await this.o.table.checkpoint(t.shardId, this.o.workerId, t.counter, checkpoint, this.abort.signal);
      } catch (e) {
        if (!this.abort.signal.aborted) this.o.logger?.warn({ shard: t.shardId, err: (e as Error).message }, 'checkpoint write failed: retrying later');
        return false;
      }
      if (ok || await this.landed(t)) {
        t.counter++;
        t.checkpoint = checkpoint;
        this.o.onCheckpoint?.();
        return true;
      }
      this.lose(t, 'checkpoint refused');
      return false;
    });
  }

  /** Frees the lease, or transfers it to `to` (graceful hand-off). */
  release(t: Tenure, to?: string): Promise<boolean> {
    return t.lock.run(async () => {
      if (!t.active) return false;
      let ok = false;
      try {
        ok = await this.o.table.release(t.shardId, this.o.workerId, t.counter, to);
        // the requester withdrew (it is shutting down): free the lease instead
        if (!ok && to) {
          to = undefined;
          ok = await this.o.table.release(t.shardId, this.o.workerId, t.counter);
        }
      } catch (e) {
        this.o.logger?.warn({ shard: t.shardId, err: (e as Error).message }, 'lease release failed: it will expire');
      }
      this.held.delete(t.shardId);
      t.state = ok ? 'released' : 'lost';
      if (ok && to) this.counters.handoffsOut++;
      else if (ok) this.counters.released++;
      this.o.logger?.info({ shard: t.shardId, to: to ?? null, ok }, to ? 'lease handed off' : 'lease released');
      this.changed();
      return ok;
    });
  }

  /** Releases every lease (after the readers drained and checkpointed). */
  async releaseAll(): Promise<void> {
    await Promise.all(this.tenures().map((t) => this.release(t)));
  }

  private async renewAll(): Promise<void> {
    await Promise.all(this.tenures().map((t) => t.lock.run(() => this.renew(t))));
  }

  private async renew(t: Tenure): Promise<void> {
    if (!t.active) return;
    const started = this.clock();
    let item: LeaseItem | undefined;
    try {
      item = await this.o.table.renew(t.shardId, this.o.workerId, t.counter, this.abort.signal);
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.counters.renewFailures++;
      this.changed();
      this.o.logger?.warn({ shard: t.shardId, err: (e as Error).message, fenced: this.fenced(t) }, 'lease renewal failed');
      return;
    }
    if (!item) {
      if (!(await this.landed(t))) {
        this.lose(t, 'renewal refused');
        return;
      }
      t.counter++;
    } else {
      t.counter = item.leaseCounter;
    }
    t.lastRenewOk = started;
    const to = item?.handoffTo;
    if (to && to !== this.o.workerId && t.state === 'held' && this.o.gracefulHandoff && this.taking) {
      t.state = 'handing-off';
      t.handoffTo = to;
      this.o.logger?.info({ shard: t.shardId, to }, 'lease requested by another process: handing it off');
      this.o.listener.handoffRequested(t);
    }
  }

  /** After a refused write at counter c: did an earlier attempt of ours land (owner us, counter c + 1)? */
  private async landed(t: Tenure): Promise<boolean> {
    try {
      const cur = await this.o.table.get(t.shardId, this.abort.signal);
      return cur?.leaseOwner === this.o.workerId && cur.leaseCounter === t.counter + 1;
    } catch {
      return false;
    }
  }

  private lose(t: Tenure, why: string): void {
    if (!t.active) return;
    t.state = 'lost';
    this.held.delete(t.shardId);
    this.counters.lost++;
    this.o.logger?.warn({ shard: t.shardId, why }, 'lease lost: reading of the shard stops');
    this.changed();
    this.o.listener.lost(t);
  }

  private scanOnce(): Promise<void> {
    if (!this.taking || this.scanning) return this.scanning ?? Promise.resolve();
    this.scanning = this.scan()
      .then(() => {
        this.scanProblem = undefined;
      }, (e) => {
        if (this.abort.signal.aborted) return;
        this.scanProblem = `the lease table cannot be read: ${(e as Error).message}`;
        this.o.logger?.warn({ err: (e as Error).message }, 'lease scan failed');
      })
      .finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async scan(): Promise<void> {
    const signal = this.abort.signal;
    let leases = await this.o.table.scan(signal);
    if (this.o.sync && await this.o.sync(leases, signal)) leases = await this.o.table.scan(signal);
    const now = this.clock();
    this.counters.scans++;
    this.lastScan = leases;
    this.tracker.observe(leases, now);
    if (!this.taking) return;
    const me = this.o.workerId;
    const held = new Set(this.held.keys());
    const p = plan({ leases, me, held, tracker: this.tracker, now, maxLeases: this.o.maxLeasesPerWorker });
    for (const l of p.take) {
      if (!this.taking) return;
      await this.take(l, now);
    }
    if (this.ask) {
      const l = leases.find((x) => x.leaseKey === this.ask!.shardId);
      if (!l || l.leaseOwner !== this.ask.victim || l.handoffTo !== me) {
        this.ask = undefined;
      } else if (now - this.ask.at > 2 * this.o.leaseDurationMs) {
        // the owner did not hand it over in time: take it by force (duplicates bounded by its in-flight window)
        this.o.logger?.warn({ shard: l.leaseKey, owner: l.leaseOwner }, 'hand-off not answered: taking the lease');
        this.ask = undefined;
        await this.take(l, now);
      }
    } else if (p.ask && !this.o.gracefulHandoff) {
      // no hand-off: steal it as the KCL 2.x does (its owner's in-flight records are read again)
      await this.take(p.ask, now);
    } else if (p.ask && p.ask.leaseOwner) {
      const { leaseKey, leaseOwner } = p.ask;
      if (await this.o.table.requestHandoff(leaseKey, leaseOwner, me, signal)) {
        this.ask = { shardId: leaseKey, victim: leaseOwner, at: now };
        this.o.logger?.info({ shard: leaseKey, owner: leaseOwner, target: p.target, workers: p.workers }, 'asked for a lease');
      }
    }
  }

  private async take(l: LeaseItem, now: number): Promise<void> {
    const me = this.o.workerId;
    let ok: boolean;
    try {
      ok = await this.o.table.take(l.leaseKey, me, l.leaseCounter, this.abort.signal);
    } catch (e) {
      if (!this.abort.signal.aborted) this.o.logger?.warn({ shard: l.leaseKey, err: (e as Error).message }, 'lease take failed');
      return;
    }
    if (!ok) return;
    const t = new Tenure(l.leaseKey, l.leaseCounter + 1, l.checkpoint, l.parentShardIds, now);
    this.held.set(l.leaseKey, t);
    this.counters.taken++;
    if (l.leaseOwner === me) this.counters.handoffsIn++;
    else if (l.leaseOwner) this.counters.takeovers++;
    this.o.logger?.info({ shard: l.leaseKey, from: l.leaseOwner ?? null, checkpoint: l.checkpoint, frozen_ms: Math.round(this.tracker.frozenFor(l, now)) }, 'lease taken');
    this.changed();
    this.o.listener.acquired(t);
  }

  private changed(): void {
    this.o.onChange?.(this.counters, this.held.size);
  }
}
