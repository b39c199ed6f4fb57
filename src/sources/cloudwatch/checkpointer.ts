// When the CloudWatch source writes its checkpoint: at most every checkpoint_interval while acknowledgements
// arrive (a timer catches the last one of a quiet spell), and at once for every acknowledgement after the
// source was closed, because the process may exit right after the last one.
import type { CheckpointFile } from './checkpoint-file.js';

export class Checkpointer {
  private lastWrite = 0;
  private writes = 0;
  private timer: NodeJS.Timeout | undefined;
  private final = false;

  constructor(
    private readonly file: CheckpointFile,
    private readonly intervalMs: number,
    /** Whether there is something new to write. */
    private readonly dirty: () => boolean,
    /** The document to write now. */
    private readonly content: () => unknown,
    private readonly onWrite: () => void = () => undefined,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.timer = setInterval(() => this.maybeWrite(), this.intervalMs);
    this.timer.unref();
  }

  /** Seconds since the last write (undefined before the first). */
  get ageSeconds(): number | undefined {
    return this.writes ? (performance.now() - this.lastWrite) / 1000 : undefined;
  }

  /** Writes if something changed and the interval passed (or the source is closed). */
  maybeWrite(): void {
    if (!this.dirty()) return;
    if (!this.final && performance.now() - this.lastWrite < this.intervalMs) return;
    this.write();
  }

  /** The source closed: stop the timer, write now, and write every later change at once. */
  finish(): void {
    clearInterval(this.timer);
    this.final = true;
    this.write();
  }

  private write(): void {
    this.file.write(this.content());
    this.lastWrite = performance.now();
    this.writes++;
    this.onWrite();
  }
}
