// The eventIds already delivered, held while some tier may still read their time again (fetcher-design.md
// §2.2), in one-second buckets by event timestamp so dropping the ones below the horizon costs a bucket, not a
// scan. An id is kept as a 64-bit hash (two 32-bit FNV-1a with different seeds), not as its 56-digit string:
// 8 bytes in a typed array instead of about 130 in a Set. Two ids of one second colliding would drop the
// second as a repeat; at 2,000 events per second that is about one chance in 10^13 per second.
//
// An id is pending from when its event is handed out until its batch is acknowledged: the checkpoint holds
// only acknowledged ids, so a restart reads the pending ones again.
//
// Memory is bounded by configuration: every cluster's set counts against one process-wide IdBudget. A set
// that would go over it first gives up its oldest second (evictOldest): the caller then stops re-checking
// that second (a late event still to come in it would be missed, which is counted), rather than re-reading
// it without its ids, which would repeat every alert of that second.

const SEED_A = 0x811c9dc5;
const SEED_B = 0x2c1b3c6d;

function fnv(id: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const EMPTY = 0;
const PENDING = 1;
const ACKED = 2;

/** One second's ids: open addressing (linear probing) over 64-bit keys, grown at 3/4 load. */
class Bucket {
  size = 0;
  private hi: Uint32Array;
  private lo: Uint32Array;
  private state: Uint8Array;

  constructor(capacity = 16) {
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.state = new Uint8Array(capacity);
  }

  get bytes(): number {
    return this.state.length * 9;
  }

  /** The slot of the key, or of the empty slot where it would go. */
  private slot(hi: number, lo: number): number {
    const mask = this.state.length - 1;
    for (let i = (lo ^ hi) & mask; ; i = (i + 1) & mask) {
      if (this.state[i] === EMPTY || (this.hi[i] === hi && this.lo[i] === lo)) return i;
    }
  }

  has(hi: number, lo: number): boolean {
    return this.state[this.slot(hi, lo)] !== EMPTY;
  }

  /** Adds the key in `state`; false when it was there already. */
  add(hi: number, lo: number, state: number): boolean {
    if ((this.size + 1) * 4 > this.state.length * 3) this.grow();
    const i = this.slot(hi, lo);
    if (this.state[i] !== EMPTY) return false;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.state[i] = state;
    this.size++;
    return true;
  }

  acknowledge(hi: number, lo: number): void {
    const i = this.slot(hi, lo);
    if (this.state[i] === PENDING) this.state[i] = ACKED;
  }

  /** The acknowledged keys, hi/lo interleaved. */
  acked(): Uint32Array {
    const out = new Uint32Array(this.size * 2);
    let n = 0;
    for (let i = 0; i < this.state.length; i++) {
      if (this.state[i] !== ACKED) continue;
      out[n++] = this.hi[i]!;
      out[n++] = this.lo[i]!;
    }
    return out.subarray(0, n);
  }

  private grow(): void {
    const { hi, lo, state } = this;
    this.hi = new Uint32Array(state.length * 2);
    this.lo = new Uint32Array(state.length * 2);
    this.state = new Uint8Array(state.length * 2);
    this.size = 0;
    for (let i = 0; i < state.length; i++) if (state[i] !== EMPTY) this.add(hi[i]!, lo[i]!, state[i]!);
  }
}

/** The ids every cluster of the process may hold together. */
export class IdBudget {
  used = 0;
  constructor(readonly max: number) {}
}

export class SeenIds {
  private readonly buckets = new Map<number, Bucket>();
  private count = 0;

  constructor(private readonly budget: IdBudget = new IdBudget(Infinity)) {}

  get size(): number {
    return this.count;
  }

  /** Was this id (of an event at this timestamp, ms) delivered already? */
  has(id: string, timestamp: number): boolean {
    return this.buckets.get(Math.floor(timestamp / 1000))?.has(fnv(id, SEED_A), fnv(id, SEED_B)) ?? false;
  }

  /** Records an id handed out (pending until acknowledge()). */
  add(id: string, timestamp: number): void {
    this.put(Math.floor(timestamp / 1000), fnv(id, SEED_A), fnv(id, SEED_B), PENDING);
  }

  /** The batch holding the id was acknowledged: the id may go into the checkpoint. */
  acknowledge(id: string, timestamp: number): void {
    this.buckets.get(Math.floor(timestamp / 1000))?.acknowledge(fnv(id, SEED_A), fnv(id, SEED_B));
  }

  /** True while the set is over the process-wide budget (the caller then evicts its oldest second). */
  get overBudget(): boolean {
    return this.budget.used > this.budget.max && this.count > 0;
  }

  /** Forgets ids of whole seconds that end before `horizon` (ms); ids at or after it are always kept. */
  evictBelow(horizon: number): void {
    const limit = Math.floor(horizon / 1000);
    for (const second of this.buckets.keys()) if (second < limit) this.drop(second);
  }

  /** Forgets the oldest second; returns it (its start, ms), or undefined when the set is empty. */
  evictOldest(): number | undefined {
    let oldest = Infinity;
    for (const second of this.buckets.keys()) oldest = Math.min(oldest, second);
    if (oldest === Infinity) return undefined;
    this.drop(oldest);
    return oldest * 1000;
  }

  /** The acknowledged ids of the seconds at or after `horizon`, for the checkpoint: [second, base64 of the
   *  keys' hi/lo words], ... */
  encode(horizon: number): [number, string][] {
    const out: [number, string][] = [];
    const first = Math.floor(horizon / 1000);
    for (const [second, bucket] of [...this.buckets].sort((a, b) => a[0] - b[0])) {
      if (second < first) continue;
      const keys = bucket.acked();
      if (keys.length) out.push([second, Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength).toString('base64')]);
    }
    return out;
  }

  /** The inverse of encode(); also reads a version 1 checkpoint's front-coded id strings. Throws an Error
   *  saying what is wrong when the data is not a valid encoding. */
  static decode(data: unknown, version: number, budget?: IdBudget): SeenIds {
    const seen = new SeenIds(budget);
    if (version === 1) {
      seen.decodeV1(data);
      return seen;
    }
    if (!Array.isArray(data)) throw new Error('seen: not a list of [second, ids] pairs');
    for (const [i, entry] of data.entries()) {
      if (!Array.isArray(entry) || !Number.isInteger(entry[0]) || typeof entry[1] !== 'string') throw new Error(`seen: bad entry at ${i}`);
      const bytes = Buffer.from(entry[1] as string, 'base64');
      if (bytes.length % 8 !== 0) throw new Error(`seen: bad ids at ${i}`);
      for (let k = 0; k < bytes.length; k += 8) seen.put(entry[0] as number, bytes.readUInt32LE(k), bytes.readUInt32LE(k + 4), ACKED);
    }
    return seen;
  }

  /** Version 1: [timestamp delta, shared prefix length, rest of the id] triples, flattened. */
  private decodeV1(flat: unknown): void {
    if (!Array.isArray(flat) || flat.length % 3 !== 0) throw new Error('seen: not a list of (time, prefix, suffix) triples');
    let ts = 0;
    let id = '';
    for (let i = 0; i < flat.length; i += 3) {
      const [dt, p, rest] = [flat[i], flat[i + 1], flat[i + 2]];
      if (!Number.isInteger(dt) || !Number.isInteger(p) || typeof rest !== 'string' || (p as number) < 0 || (p as number) > id.length) {
        throw new Error(`seen: bad entry at ${i / 3}`);
      }
      ts += dt as number;
      id = id.slice(0, p as number) + rest;
      this.put(Math.floor(ts / 1000), fnv(id, SEED_A), fnv(id, SEED_B), ACKED);
    }
  }

  private put(second: number, hi: number, lo: number, state: number): void {
    let bucket = this.buckets.get(second);
    if (!bucket) this.buckets.set(second, (bucket = new Bucket()));
    if (!bucket.add(hi, lo, state)) return;
    this.count++;
    this.budget.used++;
  }

  private drop(second: number): void {
    const bucket = this.buckets.get(second);
    if (!bucket) return;
    this.buckets.delete(second);
    this.count -= bucket.size;
    this.budget.used -= bucket.size;
  }
}
