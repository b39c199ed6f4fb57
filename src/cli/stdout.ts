// stdout as the commands use it: when its reader goes away (`kawa extract ... | head`), a write fails with
// EPIPE, asynchronously. That means the reader has seen enough: the command stops reading and ends quietly
// (exit 0, no message), instead of dying on an unhandled 'error' event with a stack trace. Any other write
// error (ENOSPC on a full disk, EIO) closes stdout too, but is kept: the command then fails with it.
import { readerWentAway } from '../outputs/stream-write.js';

let closed = false;
let failure: NodeJS.ErrnoException | undefined;

/** Called once by main(): turns a failed write on stdout into the `closed` state. */
export function watchStdout(out: NodeJS.WriteStream = process.stdout): void {
  out.on('error', (e: NodeJS.ErrnoException) => {
    closed = true;
    if (!readerWentAway(e)) failure ??= e;
  });
}

/** The first write error on stdout that was not its reader going away, if any. */
export function stdoutFailure(): NodeJS.ErrnoException | undefined {
  return failure;
}

/** Has stdout's reader gone away? */
export function stdoutClosed(): boolean {
  return closed;
}

/** Writes unless the reader went away; false once it did (the caller stops). Resolves when the data left
 *  (backpressure: a slow reader slows the command, memory stays flat). */
export function writeOut(text: string): Promise<boolean> {
  if (closed || !text) return Promise.resolve(!closed);
  return new Promise((resolve) => {
    process.stdout.write(text, (e) => {
      if (e) closed = true;
      resolve(!closed);
    });
  });
}
