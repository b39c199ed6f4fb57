// stdout_output: alert lines on stdout. When the reader goes away (`kawa run ... | head`) the output turns
// `gone`. In a run over files that means the reader has seen enough (`quietWhenGone`): the alerts still
// queued are set aside without a word (counted in `unread`) and the run stops. In a service it is a
// failing output like any other: dropped alerts are counted and logged.
import { PermanentError, QueuedOutput, type QueuedOutputOptions } from './queued-output.js';
import { readerWentAway, writeStream } from './stream-write.js';
import { lineBytes } from './line-bytes.js';
import type { FormattedAlert } from './types.js';

export class StdoutOutput extends QueuedOutput {
  gone = false;
  /** Alerts set aside because the reader had gone (quietWhenGone). */
  unread = 0;

  constructor(
    opts: Omit<QueuedOutputOptions, 'chunk' | 'retries'>,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly quietWhenGone = false,
  ) {
    super('stdout', 'line', { ...opts, chunk: 4096, retries: 0 });
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (readerWentAway(e)) this.gone = true;
    });
  }

  protected async send(chunk: FormattedAlert[]): Promise<void> {
    if (this.gone && this.quietWhenGone) {
      this.unread += chunk.length;
      return;
    }
    if (this.gone) throw new PermanentError('stdout was closed by its reader');
    const text = lineBytes(chunk);
    try {
      await writeStream(this.out, text);
    } catch (e) {
      // a stream that closed under the write ("the stream closed", no code) is gone too
      if ((e as NodeJS.ErrnoException).code !== undefined && !readerWentAway(e)) {
        // the reader is there but the write failed (ENOSPC on a full disk, EIO): not delivered, and said so
        throw new PermanentError(`stdout: ${(e as Error).message}`);
      }
      this.gone = true;
      if (this.quietWhenGone) {
        this.unread += chunk.length;
        return;
      }
      throw new PermanentError(`stdout: ${(e as Error).message}`);
    }
  }

  /** Other text in order with the alerts (Falco's end-of-run summary): after every queued alert. */
  async writeText(text: string): Promise<void> {
    await this.flush();
    if (!this.gone && text) await writeStream(this.out, text).catch(() => (this.gone = true));
  }
}
