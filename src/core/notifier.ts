// The one wait/wake primitive of kawa's loops: a waiter parks on wait(), any number of parties wake every
// waiter with notify(). A wake-up means "look again", never "your condition holds", so every wait sits in a
// loop that re-checks its condition (no lost wake-ups, no spurious progress).
export class Notifier {
  private waiters: (() => void)[] = [];

  /** Resolves at the next notify(), or after `timeoutMs` when given. */
  wait(timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (timeoutMs === undefined) {
        this.waiters.push(resolve);
        return;
      }
      const timer = setTimeout(done, timeoutMs);
      const waiters = this.waiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  get waiting(): number {
    return this.waiters.length;
  }
}
