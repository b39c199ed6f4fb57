// Atomic file replacement for state kawa keeps across restarts (checkpoints, stateful rules' state): the new
// content goes to a temporary file next to the target, is fsynced, renamed over the target, and the
// directory is fsynced, so a crash at any moment leaves either the old or the new file, never a mix. The
// write is synchronous on purpose: state written during shutdown must be on disk before the process exits.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

let writes = 0;

/** Replaces `path` with `text` atomically (mode 0600). Throws the file system's error (with its errno code). */
export function writeFileAtomic(path: string, text: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}-${++writes}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', 0o600);
    if (typeof text === 'string') writeSync(fd, text);
    else writeSync(fd, text, 0, text.length);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file may not exist
    }
    throw e;
  }
  syncDirectory(dirname(path));
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
