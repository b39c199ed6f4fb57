// The thread that drains stdin when it is a pipe (pipe-pump.ts starts it): the pipe is read as soon as the
// writer fills it, into chunks (1 MiB from pipe-pump.ts) handed to the main thread, whatever the main thread is
// busy with. Read by the main thread, the pipe's 64 KiB filled while an event batch was evaluated, the
// writer then waited, and every refill cost a round of wake-ups: 200k events took 1.19-1.40 s through a pipe
// against 0.9 s from the file, a fifth of it idle (issue 17).
//
// The pipe is opened again through /proc with O_NONBLOCK, a file description of this thread's own: the
// event loop waits for it (epoll), so the thread never sits in read() (a thread blocked in a system call
// would hold up the process's exit, which joins its threads), and descriptor 0's description, which the
// shell shares, keeps its flags.
//
// Flow control: at most `inFlight` chunks are with the main thread, which gives one back (a 'taken' message)
// for each it reads; with none left the thread stops reading and the writer waits. A chunk goes when it is
// full, or at once when the main thread waits for one ('want'), so a slow writer's lines are not held back
// to fill it while a fast writer's come in few large chunks (each message costs the main thread a turn).
import { constants, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

/** What the main thread sends: the path to open (stdin's, or a test's FIFO) and the limits. */
export interface PipeReaderData {
  path: string;
  chunkBytes: number;
  inFlight: number;
}

/** What the main thread tells: it read a chunk (and may give an earlier one's buffer back to be filled
 *  again), or it waits for one. */
export type PipeReaderRequest = { taken: true; buffer?: ArrayBuffer } | { want: true };

/** What this thread sends: a chunk of bytes (its buffer transferred), the end, or why reading stopped. */
export type PipeReaderMessage = { chunk: Uint8Array } | { end: true } | { error: string };

const port = parentPort!;
const { path, chunkBytes, inFlight } = workerData as PipeReaderData;

/** Tells the main thread why reading stopped, and ends the thread (nothing is left listening). */
function fail(e: NodeJS.ErrnoException): void {
  port.postMessage({ error: e.code ?? e.message } satisfies PipeReaderMessage);
  port.close();
}

function pump(socket: Socket): void {
  let credits = inFlight;
  /** Buffers the main thread gave back. */
  const free: ArrayBuffer[] = [];
  // one given back, or one not zero-filled (every byte sent is written first) and of its own, so that it
  // can be transferred
  const newChunk = () => new Uint8Array(free.pop() ?? Buffer.allocUnsafeSlow(chunkBytes).buffer);
  let chunk = newChunk();
  let filled = 0;
  let ended = false;
  /** The main thread waits for bytes: send what there is. */
  let wanted = false;

  const send = () => {
    if (filled === 0 || credits === 0) return;
    credits--;
    wanted = false;
    if (filled < chunkBytes / 4) {
      // a slow writer's few lines: a copy, rather than a whole buffer the main thread may not give back
      port.postMessage({ chunk: chunk.slice(0, filled) } satisfies PipeReaderMessage);
    } else {
      const full = chunk.subarray(0, filled);
      port.postMessage({ chunk: full } satisfies PipeReaderMessage, [full.buffer as ArrayBuffer]);
      chunk = newChunk();
    }
    filled = 0;
  };
  /** After the end: the last chunk once there is room for it, then the end itself. */
  const finish = () => {
    send();
    if (filled > 0) return;
    port.postMessage({ end: true } satisfies PipeReaderMessage);
    port.close();
  };

  socket.on('data', (data: Buffer) => {
    let at = 0;
    while (at < data.length) {
      const n = Math.min(data.length - at, chunkBytes - filled);
      chunk.set(data.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === chunkBytes) {
        send();
        // the main thread holds every chunk it may: keep this one, read no more until one is given back
        if (filled > 0) break;
      }
    }
    if (at < data.length) {
      socket.pause();
      socket.unshift(data.subarray(at));
      return;
    }
    if (wanted) send();
  });
  socket.on('end', () => {
    ended = true;
    finish();
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    socket.destroy();
    fail(e);
  });
  port.on('message', (m: PipeReaderRequest) => {
    if ('taken' in m) {
      credits++;
      if (m.buffer?.byteLength === chunkBytes) free.push(m.buffer);
    } else {
      wanted = true;
    }
    if (ended) return finish();
    if (wanted || filled === chunkBytes) send();
    if (filled < chunkBytes) socket.resume();
  });
}

try {
  pump(new Socket({ fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false }));
} catch (e) {
  fail(e as NodeJS.ErrnoException);
}
