// stdout_output: alert lines on stdout. When the reader goes away (`kawa run ... | head`) the output turns
// `gone`: further alerts are dropped (counted) and the run can stop quietly instead of dying on EPIPE.
import { PermanentError, QueuedOutput, type QueuedOutputOptions } from './queued-output.js';
import { writeStream } from './stream-write.js';
import type { FormattedAlert } from './types.js';

export class StdoutOutput extends QueuedOutput {
  gone = false;

  constructor(
    opts: Omit<QueuedOutputOptions, 'chunk' | 'retries'>,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {
    super('stdout', 'line', { ...opts, chunk: 4096, retries: 0 });
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') this.gone = true;
    });
  }

  protected async send(chunk: FormattedAlert[]): Promise<void> {
    if (this.gone) throw new PermanentError('stdout was closed by its reader');
    let text = '';
    for (const a of chunk) text += `${a.line}\n`;
    try {
      await writeStream(this.out, text);
    } catch (e) {
      this.gone = true;
      throw new PermanentError(`stdout: ${(e as Error).message}`);
    }
  }

  /** Other text in order with the alerts (Falco's end-of-run summary): after every queued alert. */
  async writeText(text: string): Promise<void> {
    await this.flush();
    if (!this.gone && text) await writeStream(this.out, text).catch(() => (this.gone = true));
  }
}
