// Whole files read with a ceiling. readFileSync sizes its buffer from the file's size and then reads to the
// end, and a device or a FIFO has no size and may have no end: `kawa run -c /dev/zero` grew to 9 GB in 20 s.
// These read in growing steps and stop one byte past the ceiling.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The most bytes of a configuration file, of a file one names (a certificate, a CA bundle), of an emulator
 *  config: a falco.yaml is tens of kilobytes. */
export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

/** The most bytes of a file kawa wrote itself and reads back whole (a checkpoint, the stateful rules' state):
 *  V8's longest string, 2^29 - 24 characters, which is as much JSON as it can parse at once anyway. */
export const MAX_STATE_FILE_BYTES = 2 ** 29 - 24;

/** A file that holds more than the reader would take (code EFBIG, as the system says of a file too large). */
export class FileTooLarge extends Error {
  readonly code = 'EFBIG';
  /** `size`: the size the file itself states, when that was already too large (a device states none). */
  constructor(readonly maxBytes: number, readonly size?: number) {
    super(`larger than the maximum of ${maxBytes} bytes`);
  }
}

/**
 * The bytes of the file at `path` (or of the open descriptor `fd`, from where it is); FileTooLarge past maxBytes.
 * The size is taken from the open file, so a file swapped in between cannot slip past the check.
 */
export function readUpTo(file: string | number, maxBytes: number): Buffer {
  const fd = typeof file === 'number' ? file : openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) throw new FileTooLarge(maxBytes, size);
    let buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(size + 1, 64 * 1024)));
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, buf.length * 2));
        buf.copy(grown, 0, 0, len);
        buf = grown;
      }
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) return buf.subarray(0, len);
      len += n;
      if (len > maxBytes) throw new FileTooLarge(maxBytes);
    }
  } finally {
    if (typeof file !== 'number') closeSync(fd);
  }
}

/** Why a read failed, for a message: the size limit said in words, else the system's code. */
export function readFailure(e: unknown): string {
  if (e instanceof FileTooLarge) return e.message;
  return (e as NodeJS.ErrnoException).code ?? String(e);
}
