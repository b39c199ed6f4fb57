// A named FIFO given with -e is opened and read through libuv's thread pool: its open waits for a writer,
// then each read for data. A stopped run cannot cancel either, and Node joins those threads at exit, so a
// FIFO whose writer stayed open and silent (`tail -f audit.log > fifo`) kept a run stopped by SIGTERM alive
// until the writer wrote or closed. Waking it: open it for writing without waiting, which lets a waiting open
// return, and write two line breaks, which end a waiting read (and a first read, which wants two bytes for
// the gzip magic); they are blank lines to the framer, read by a run that is stopping anyway.
import { closeSync, constants, openSync, statSync, writeSync } from 'node:fs';

export function isFifo(path: string): boolean {
  try {
    return statSync(path).isFIFO();
  } catch {
    return false;
  }
}

/** Ends a wait on the FIFO at `path`; nothing when no one has it open for reading (ENXIO) or it is full. */
export function wakeFifo(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return;
  }
  try {
    writeSync(fd, '\n\n');
  } catch {
    // EAGAIN: the FIFO is full, so no read waits on it
  } finally {
    closeSync(fd);
  }
}
