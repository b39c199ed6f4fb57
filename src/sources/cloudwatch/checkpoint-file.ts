// A durable JSON checkpoint file. Writes are atomic: the new content goes to a temporary file next to the
// target, is fsynced, renamed over the target, and the directory is fsynced, so a crash at any moment leaves
// either the old or the new checkpoint, never a mix. Writes are synchronous on purpose: a checkpoint written
// during shutdown must be on disk before the process exits, and a write of a few hundred KB takes a few ms.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { KawaError } from '../../core/errors.js';

export class CheckpointFile {
  private writes = 0;

  constructor(readonly path: string) {}

  /** The stored value, or undefined when there is no checkpoint yet. Throws KAWA_ERR_CHECKPOINT when it is unreadable or not JSON. */
  read(): unknown {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      throw new KawaError('KAWA_ERR_CHECKPOINT', `cannot read the checkpoint: ${code ?? (e as Error).message}`, { file: this.path });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new KawaError('KAWA_ERR_CHECKPOINT', `the checkpoint is not valid JSON (${(e as Error).message}); move it away to start over from the configured look-back`, { file: this.path });
    }
  }

  /** Replaces the checkpoint atomically. Throws KAWA_ERR_CHECKPOINT when the file cannot be written. */
  write(value: unknown): void {
    const tmp = `${this.path}.tmp-${process.pid}-${++this.writes}`;
    const text = JSON.stringify(value);
    let fd: number | undefined;
    try {
      fd = openSync(tmp, 'w', 0o600);
      writeSync(fd, text);
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      renameSync(tmp, this.path);
    } catch (e) {
      if (fd !== undefined) closeSync(fd);
      try {
        unlinkSync(tmp);
      } catch {
        // the temporary file may not exist
      }
      throw new KawaError('KAWA_ERR_CHECKPOINT', `cannot write the checkpoint: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: this.path });
    }
    syncDirectory(dirname(this.path));
  }
}

/** Makes the rename durable. Some file systems refuse fsync on a directory; the rename is then as durable as they allow. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // EISDIR/EPERM/EINVAL on some platforms: nothing more can be done
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
