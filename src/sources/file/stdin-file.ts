// stdin redirected from a regular file (`kawa run -e - < audit.log`): it can be read as a file, in byte
// ranges through descriptor 0 (workers included), instead of as a stream. Through process.stdin it was a
// stream of 64 KiB chunks framed on the main thread: 1.43 s for 200,000 events against 0.85 s for the same
// file named with -e.
//
// The ranges start where descriptor 0's offset stands, as a stream would: a shell may have read part of
// the file before (`{ head -n 1; kawa run -e -; } < file`). Node.js cannot ask for the offset (no lseek);
// Linux shows it in /proc/self/fdinfo/0. Elsewhere, or when it cannot be read, stdin stays a stream.
// Ranges are read with positioned reads, which leave the offset where it was.
import { fstatSync, readFileSync, readSync } from 'node:fs';

const STDIN_FD = 0;

/** The part of the regular file behind stdin that is still to be read: [start, end), through `fd`. */
export interface StdinFile {
  fd: number;
  start: number;
  end: number;
}

/** stdin's regular file from its offset on, or undefined: not a regular file, nothing left, or no offset known. */
export function stdinFile(): StdinFile | undefined {
  try {
    const info = fstatSync(STDIN_FD);
    if (!info.isFile()) return undefined;
    const pos = /^pos:\s*(\d+)$/m.exec(readFileSync('/proc/self/fdinfo/0', 'utf8'));
    if (!pos) return undefined;
    const start = Number(pos[1]);
    if (start >= info.size) return undefined;
    // a line cut by whoever read before: framed as a stream would frame it, not skipped as a range's first partial line is
    if (start > 0 && byteAt(start - 1) !== 0x0a) return undefined;
    return { fd: STDIN_FD, start, end: info.size };
  } catch {
    return undefined;
  }
}

function byteAt(at: number): number {
  const b = new Uint8Array(1);
  return readSync(STDIN_FD, b, 0, 1, at) === 1 ? b[0]! : -1;
}
