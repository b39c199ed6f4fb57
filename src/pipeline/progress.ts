// A progress bar for long replays, on stderr, only when stderr is a terminal: events/s, bytes and (when the
// input's size is known) percentage and ETA. Redrawn at most a few times a second, never per batch.
import cliProgress from 'cli-progress';

export interface ProgressCounters {
  events: number;
  bytes: number;
}

export class Progress {
  private readonly bar: cliProgress.SingleBar;
  private readonly started = performance.now();
  private last = 0;

  /** totalBytes: the input's size, or 0 when unknown (stdin, gzip). */
  constructor(private readonly totalBytes: number) {
    const format = totalBytes > 0
      ? '{bar} {percentage}% | {events} events | {rate} events/s | {mb}/{totalMb} MB | ETA {eta_formatted}'
      : '{events} events | {rate} events/s | {mb} MB';
    this.bar = new cliProgress.SingleBar({ format, stream: process.stderr, fps: 4, etaBuffer: 50, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic);
    this.bar.start(Math.max(1, totalBytes), 0, this.payload({ events: 0, bytes: 0 }));
  }

  /** A bar when stderr is a terminal, else nothing. */
  static forTerminal(totalBytes: number): Progress | undefined {
    return process.stderr.isTTY ? new Progress(totalBytes) : undefined;
  }

  update(c: ProgressCounters): void {
    const now = performance.now();
    if (now - this.last < 200) return;
    this.last = now;
    this.bar.update(Math.min(c.bytes, Math.max(1, this.totalBytes)), this.payload(c));
  }

  stop(): void {
    this.bar.stop();
  }

  private payload(c: ProgressCounters) {
    const seconds = (performance.now() - this.started) / 1000;
    return {
      events: c.events,
      rate: seconds > 0 ? Math.round(c.events / seconds) : 0,
      mb: (c.bytes / 1e6).toFixed(1),
      totalMb: (this.totalBytes / 1e6).toFixed(1),
    };
  }
}
