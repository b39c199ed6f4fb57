// A durable JSON checkpoint file. Writes are atomic (core/atomic-file.ts): a crash at any moment leaves
// either the old or the new checkpoint, never a mix. A write of a few hundred KB takes a few ms.
import { MAX_STATE_FILE_BYTES, readFailure, readUpTo } from '../../core/read-up-to.js';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { KawaError } from '../../core/errors.js';

export class CheckpointFile {
  constructor(readonly path: string) {}

  /** The stored value, or undefined when there is no checkpoint yet. Throws KAWA_ERR_CHECKPOINT when it is unreadable or not JSON. */
  read(): unknown {
    let text: string;
    try {
      text = readUpTo(this.path, MAX_STATE_FILE_BYTES).toString('utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      throw new KawaError('KAWA_ERR_CHECKPOINT', `cannot read the checkpoint: ${readFailure(e)}`, { file: this.path });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new KawaError('KAWA_ERR_CHECKPOINT', `the checkpoint is not valid JSON (${(e as Error).message}); move it away to start over from the configured look-back`, { file: this.path });
    }
  }

  /** Replaces the checkpoint atomically (core/atomic-file.ts). Throws KAWA_ERR_CHECKPOINT when the file cannot be written. */
  write(value: unknown): void {
    try {
      writeFileAtomic(this.path, JSON.stringify(value));
    } catch (e) {
      throw new KawaError('KAWA_ERR_CHECKPOINT', `cannot write the checkpoint: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: this.path });
    }
  }
}
