// The in-process set of recently delivered event ids (design.md §6, layer 1), shared by every shard of the
// process: it drops the second copy of a CloudWatch retry that lands in this process (in any shard) and the
// re-read of a shard this process held before. Bounded: the oldest ids leave first (insertion order of a Map
// is the age order, and a Set keeps it the same way).
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(readonly capacity: number) {}

  has(key: string): boolean {
    return this.ids.has(key);
  }

  add(key: string): void {
    if (this.ids.has(key)) return;
    this.ids.add(key);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}
