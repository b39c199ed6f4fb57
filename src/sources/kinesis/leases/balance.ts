// Deciding, from one scan of the lease table, which leases this worker takes and whom it asks for one
// (leases.md §4-5, design.md §3 and §5). Pure: the clock is passed in, so the rules are unit-testable.
//
// Expiry is judged by observation with this process's own monotonic clock, never by a timestamp written by
// another machine: a lease is expired when it has no owner, or when its leaseCounter has not changed for
// longer than the lease duration since we first saw that value. A lease first seen owned counts as renewed at
// that moment; one first seen free is available at once.
//
// Target = ceil(active leases / live workers), where active = not SHARD_END and live workers = distinct
// owners of unexpired leases plus this one. Below target the worker takes expired leases whose parents are
// done (every parent lease SHARD_END or gone), children of a reshard first, the rest shuffled to spread the
// races between workers. When nothing is free it asks the most loaded worker for one lease (graceful
// hand-off): only a worker above target, or at target while this one needs more than one.
import { SHARD_END, type LeaseItem } from './table.js';

interface Seen {
  counter: number;
  since: number;
}

export class ExpiryTracker {
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly durationMs: number) {}

  /** Records a scan taken at `now` (monotonic ms); forgets leases that are gone. */
  observe(leases: LeaseItem[], now: number): void {
    const keys = new Set<string>();
    for (const l of leases) {
      keys.add(l.leaseKey);
      const prev = this.seen.get(l.leaseKey);
      if (!prev || prev.counter !== l.leaseCounter) {
        // a free lease first seen is expired already: date its observation one duration back
        this.seen.set(l.leaseKey, { counter: l.leaseCounter, since: !prev && !l.leaseOwner ? now - this.durationMs - 1 : now });
      }
    }
    for (const k of this.seen.keys()) if (!keys.has(k)) this.seen.delete(k);
  }

  expired(l: LeaseItem, now: number): boolean {
    if (!l.leaseOwner) return true;
    const s = this.seen.get(l.leaseKey);
    return !s || (s.counter === l.leaseCounter && now - s.since > this.durationMs);
  }

  /** How long the lease's counter has been unchanged, by our clock. */
  frozenFor(l: LeaseItem, now: number): number {
    const s = this.seen.get(l.leaseKey);
    return s && s.counter === l.leaseCounter ? now - s.since : 0;
  }
}

export interface PlanInput {
  leases: LeaseItem[];
  me: string;
  /** Leases this worker holds (by shard id). */
  held: ReadonlySet<string>;
  tracker: ExpiryTracker;
  now: number;
  /** 0: no limit. */
  maxLeases: number;
  random?: () => number;
}

export interface Plan {
  target: number;
  workers: number;
  /** Leases to take, in order, with the counter observed (the take's condition). */
  take: LeaseItem[];
  /** A lease to ask its owner for, when nothing could be taken. */
  ask?: LeaseItem;
}

/** Every parent of the lease is finished: its lease has reached SHARD_END or is gone. */
export function parentsDone(l: LeaseItem, byKey: ReadonlyMap<string, LeaseItem>): boolean {
  return l.parentShardIds.every((p) => {
    const parent = byKey.get(p);
    return !parent || parent.checkpoint === SHARD_END;
  });
}

export function plan(input: PlanInput): Plan {
  const { leases, me, held, tracker, now } = input;
  const random = input.random ?? Math.random;
  const byKey = new Map(leases.map((l) => [l.leaseKey, l]));
  const active = leases.filter((l) => l.checkpoint !== SHARD_END);
  const counts = new Map<string, number>();
  for (const l of active) {
    if (l.leaseOwner && l.leaseOwner !== me && !tracker.expired(l, now)) counts.set(l.leaseOwner, (counts.get(l.leaseOwner) ?? 0) + 1);
  }
  const workers = counts.size + 1;
  let target = Math.ceil(active.length / workers);
  if (input.maxLeases > 0) target = Math.min(target, input.maxLeases);
  const mine = active.filter((l) => held.has(l.leaseKey)).length;
  const need = target - mine;
  if (need <= 0) return { target, workers, take: [] };

  // leases handed to us (owner = me, not held: a graceful transfer) come first, then children of a reshard
  const free = active.filter((l) => !held.has(l.leaseKey) && (l.leaseOwner === me || tracker.expired(l, now)) && parentsDone(l, byKey));
  const shuffled = free.map((l) => ({ l, k: (l.leaseOwner === me ? 0 : l.parentShardIds.length ? 1 : 2) + random() }));
  shuffled.sort((a, b) => a.k - b.k);
  const take = shuffled.slice(0, need).map((x) => x.l);
  if (take.length) return { target, workers, take };

  // nothing free: ask the most loaded worker for one of its leases
  let victim: string | undefined;
  let most = 0;
  for (const [w, c] of counts) if (c > most || (c === most && victim !== undefined && w < victim)) [victim, most] = [w, c];
  if (victim === undefined || !(most > target || (most === target && need > 1))) return { target, workers, take };
  const candidates = active.filter((l) => l.leaseOwner === victim && !l.handoffTo && parentsDone(l, byKey));
  const ask = candidates[Math.floor(random() * candidates.length)];
  return { target, workers, take, ask };
}
