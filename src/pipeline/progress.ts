// A progress bar for long runs that end (replays, backfills), on stderr, only when stderr is a terminal:
// events/s, and what the source says of its progress (Source.progress): bytes of the input, or event time
// covered of a range; with a percentage and ETA when the total is known. Redrawn at most a few times a
// second, never per batch.
import cliProgress from 'cli-progress';
import type { SourceProgress } from './types.js';

const DAY_MS = 86_400_000;

export class Progress {
  private readonly bar: cliProgress.SingleBar;
  private readonly started = performance.now();
  private last = 0;

  constructor(private readonly total: number, private readonly unit: SourceProgress['unit']) {
    const format = total > 0
      ? `{bar} {percentage}% | {events} events | {rate} events/s | {done}/{size} ${this.unitName()} | ETA {eta_formatted}`
      : `{events} events | {rate} events/s | {done} ${this.unitName()}`;
    this.bar = new cliProgress.SingleBar({ format, stream: process.stderr, fps: 4, etaBuffer: 50, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic);
    this.bar.start(Math.max(1, total), 0, this.payload(0, 0));
  }

  /** A bar when stderr is a terminal, else nothing. */
  static forTerminal(progress: SourceProgress | undefined): Progress | undefined {
    return process.stderr.isTTY ? new Progress(progress?.total ?? 0, progress?.unit ?? 'bytes') : undefined;
  }

  update(events: number, p: SourceProgress | undefined): void {
    const now = performance.now();
    if (now - this.last < 200) return;
    this.last = now;
    const done = p?.done ?? 0;
    this.bar.update(Math.min(done, Math.max(1, this.total)), this.payload(events, done));
  }

  stop(): void {
    this.bar.stop();
  }

  private unitName(): string {
    return this.unit === 'bytes' ? 'MB' : this.total >= DAY_MS ? 'days' : 'hours';
  }

  private scaled(n: number): string {
    if (this.unit === 'bytes') return (n / 1e6).toFixed(1);
    return (n / (this.total >= DAY_MS ? DAY_MS : 3_600_000)).toFixed(2);
  }

  private payload(events: number, done: number) {
    const seconds = (performance.now() - this.started) / 1000;
    // not `total`: cli-progress fills {total} with the bar's own total (bytes, unscaled)
    return { events, rate: seconds > 0 ? Math.round(events / seconds) : 0, done: this.scaled(done), size: this.scaled(this.total) };
  }
}
