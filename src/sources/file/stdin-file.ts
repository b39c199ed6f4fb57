// stdin redirected from a regular file (`kawa run -e - < audit.log`) is read as that file rather than as a
// stream: JSON lines in byte ranges through descriptor 0 (workers included), anything else with large
// synchronous reads, and a damaged gzip read again to place its damage, as a named file is. Through
// process.stdin it was a stream of 64 KiB chunks framed on the main thread: 1.37-1.51 s for 200,000 events
// against 0.84-0.91 s for the same file named with -e; a .gz went to zlib 16 KiB at a time, as a pipe's
// must, since a pipe cannot be read again.
//
// What is read starts where descriptor 0's offset stands, as a stream would: a shell may have read part of
// the file before (`{ head -n 1; kawa run -e -; } < file`). Node.js cannot ask for the offset (no lseek);
// Linux shows it in /proc/self/fdinfo/0. Elsewhere, or when it cannot be read, stdin stays a stream.
import { fstatSync, readFileSync, readSync } from 'node:fs';

const STDIN_FD = 0;
/** The file behind stdin, opened again (a gzip file read again to place its damage). */
export const STDIN_PATH = '/proc/self/fd/0';

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
    return start < info.size ? { fd: STDIN_FD, start, end: info.size } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the file starts at a line's start: at its beginning, or right after a '\n' that someone read. */
export function startsAtLine(file: StdinFile): boolean {
  if (file.start === 0) return true;
  const b = new Uint8Array(1);
  return readSync(file.fd, b, 0, 1, file.start - 1) === 1 && b[0] === 0x0a;
}
