// One lease's writes in order: renewal, checkpoint, release and transfer are each conditional on the
// leaseCounter the previous one produced, so two of them in flight at once would make the process lose its
// own lease to itself (leases.md §3). A promise chain is the whole lock.
export class WriteLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(write: () => Promise<T>): Promise<T> {
    const next = this.tail.then(write, write);
    // the next writer waits for this one whether it succeeded or failed
    this.tail = next.catch(() => undefined);
    return next;
  }
}
