// The emulator's idea of "AWS time": ingestion, visibility, token expiry and fault windows use it.
// Real mode = wall clock + a configurable skew; virtual mode = time moves only when a test advances it,
// so visibility-lag scenarios run without sleeping. (SDK request signing keeps the real clock; the
// emulator ignores x-amz-date.)

export class ServerClock {
  private virtualNow: number | null = null;
  private offsetMs = 0;

  /** restart: (re)start a virtual clock at startMs (or real now); otherwise virtual time keeps going. */
  configure(clock: { offsetMs: number; virtual: boolean; startMs: number | null }, restart: boolean): void {
    this.offsetMs = clock.offsetMs;
    if (!clock.virtual) this.virtualNow = null;
    else if (restart || this.virtualNow === null) this.virtualNow = clock.startMs ?? Date.now();
  }

  get virtual(): boolean {
    return this.virtualNow !== null;
  }

  now(): number {
    return (this.virtualNow ?? Date.now()) + this.offsetMs;
  }

  /** Virtual mode only: move time forward (never backward: ingestion times must not decrease). */
  advance(ms: number): number {
    if (this.virtualNow === null) throw new Error('the clock is not virtual (set clock.virtual: true)');
    if (!(ms >= 0)) throw new Error('advanceMs must be >= 0');
    this.virtualNow += ms;
    return this.now();
  }
}
