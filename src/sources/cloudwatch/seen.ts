// The eventIds already delivered, each with its event timestamp, held while some tier may still read that
// time again. Ids are kept in one-second buckets so dropping the ones below the horizon costs a bucket, not
// a scan. For the checkpoint the set is written front-coded: pairs sorted by (timestamp, id), each as
// [timestamp delta, length of the prefix shared with the previous id, rest of the id], flattened — ids of
// one request differ only in their last digits, so this is a few bytes per id instead of 56.

export class SeenIds {
  private readonly ids = new Map<string, number>();
  private readonly buckets = new Map<number, string[]>();

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string, timestamp: number): void {
    if (this.ids.has(id)) return;
    this.ids.set(id, timestamp);
    const second = Math.floor(timestamp / 1000);
    let bucket = this.buckets.get(second);
    if (!bucket) this.buckets.set(second, (bucket = []));
    bucket.push(id);
  }

  /** Forgets ids of whole seconds that end before `horizon` (ms); ids at or after it are always kept. */
  evictBelow(horizon: number): void {
    const limit = Math.floor(horizon / 1000);
    for (const [second, bucket] of this.buckets) {
      if (second >= limit) continue;
      for (const id of bucket) this.ids.delete(id);
      this.buckets.delete(second);
    }
  }

  /** Front-coded pairs of the ids with timestamp >= horizon for which keep(id) holds. */
  encode(horizon: number, keep: (id: string) => boolean): (number | string)[] {
    const pairs: [number, string][] = [];
    for (const [id, ts] of this.ids) if (ts >= horizon && keep(id)) pairs.push([ts, id]);
    pairs.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const out: (number | string)[] = [];
    let prevTs = 0;
    let prevId = '';
    for (const [ts, id] of pairs) {
      let p = 0;
      const max = Math.min(id.length, prevId.length);
      while (p < max && id.charCodeAt(p) === prevId.charCodeAt(p)) p++;
      out.push(ts - prevTs, p, id.slice(p));
      prevTs = ts;
      prevId = id;
    }
    return out;
  }

  /** The inverse of encode(); throws an Error saying what is wrong when the data is not a valid encoding. */
  static decode(flat: unknown): SeenIds {
    if (!Array.isArray(flat) || flat.length % 3 !== 0) throw new Error('seen: not a list of (time, prefix, suffix) triples');
    const seen = new SeenIds();
    let ts = 0;
    let id = '';
    for (let i = 0; i < flat.length; i += 3) {
      const [dt, p, rest] = [flat[i], flat[i + 1], flat[i + 2]];
      if (!Number.isInteger(dt) || !Number.isInteger(p) || typeof rest !== 'string' || (p as number) < 0 || (p as number) > id.length) {
        throw new Error(`seen: bad entry at ${i / 3}`);
      }
      ts += dt as number;
      id = id.slice(0, p as number) + rest;
      seen.add(id, ts);
    }
    return seen;
  }
}
