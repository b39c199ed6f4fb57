// file_output: alert lines appended to a file. keep_alive false (Falco's default) opens and closes the file
// for each write, so a rotated file is simply recreated; keep_alive true keeps it open, and reopen()
// (SIGHUP, after logrotate moved the file) closes it so the next write opens the new one.
import { open, type FileHandle } from 'node:fs/promises';
import { checkWritableFile } from '../core/writable.js';
import { QueuedOutput, type QueuedOutputOptions } from './queued-output.js';
import { lineBytes } from './line-bytes.js';
import type { FormattedAlert } from './types.js';

export class FileOutput extends QueuedOutput {
  private handle: FileHandle | undefined;
  private stale = false;

  constructor(
    private readonly filename: string,
    private readonly keepAlive: boolean,
    opts: Omit<QueuedOutputOptions, 'chunk' | 'retries'>,
  ) {
    super('file', 'line', { ...opts, chunk: 4096, retries: 2 });
    checkWritableFile(filename, 'file_output.filename');
  }

  protected async send(chunk: FormattedAlert[]): Promise<void> {
    const text = lineBytes(chunk);
    if (this.stale) await this.closeHandle();
    const handle = this.handle ?? (await open(this.filename, 'a'));
    try {
      await handle.appendFile(text);
    } catch (e) {
      await handle.close().catch(() => undefined);
      this.handle = undefined;
      throw e;
    }
    if (this.keepAlive) this.handle = handle;
    else await handle.close();
  }

  reopen(): void {
    this.stale = true;
  }

  private async closeHandle(): Promise<void> {
    this.stale = false;
    const h = this.handle;
    this.handle = undefined;
    await h?.close().catch(() => undefined);
  }

  protected async end(): Promise<void> {
    await this.closeHandle();
  }
}
