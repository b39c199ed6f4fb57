// Gunzips an input for the file source and reads what can be read of a damaged one, as `gzip -d` does: a
// corrupt member, a file cut short or trailing bytes that are not gzip end the data where the damage is,
// and everything before it is still handed over. The damage is then told with its compressed byte offset.
//
// zlib drops the output of the step in which it meets the damage, so the compressed bytes go in by pieces
// (each piece is one step, or a few while its output fills the buffer), and when a piece fails in a file,
// the file is inflated again up to that piece (its output was handed over already) and the piece in steps
// of FINE_BYTES, then again up to the step that failed and that step byte by byte: what the failed steps
// held back comes out, and the damage is placed to the byte. A file's pieces are large (FILE_PIECE_BYTES,
// about 2 MB of output each, in one chunk): every step is a trip to zlib's thread and back, and with 16 KiB
// pieces and 64 KiB chunks those trips took longer than inflating (issue 17); and the next piece inflates
// on zlib's thread while the last one's output is read. Whatever a piece inflates to, at most HELD_BYTES of
// output wait to be read: then zlib waits (Inflater). A pipe (stdin that is no file, a FIFO) cannot be
// read again; it goes in by STDIN_PIECE_BYTES, and its last TAIL_BYTES byte by byte, so the usual damage at
// the end (a stream cut short, a few bytes of trailing garbage) loses nothing, and damage before them loses
// up to one piece's output.
import { open } from 'node:fs/promises';
import type * as NodeZlib from 'node:zlib';
import type { Gunzip } from 'node:zlib';
import { lazyBuiltin } from '../../core/lazy-builtin.js';

const zlib = lazyBuiltin<typeof NodeZlib>('node:zlib');

/** Compressed bytes inflated in one step: a file's, stdin's, and a failed piece's on its second pass. */
const FILE_PIECE_BYTES = 256 << 10;
const STDIN_PIECE_BYTES = 16 << 10;
const FINE_BYTES = 16 << 10;
/** Output bytes per chunk zlib hands over, and held before the stream waits for them to be taken. */
const CHUNK_BYTES = 4 << 20;
const HELD_BYTES = 8 << 20;
/** stdin: the compressed bytes at its end inflated one at a time. */
const TAIL_BYTES = 4 << 10;
/** Compressed bytes read at a time when inflating a damaged file again up to its damage. */
const REREAD_BYTES = 1 << 20;

export interface GzipDamage {
  /** trailing: complete gzip data followed by bytes that are not gzip (`gzip -d` ignores them too); cut:
   *  the data stops before its end; corrupt: anything else. */
  kind: 'trailing' | 'cut' | 'corrupt';
  /** zlib's description. */
  message: string;
  /** Compressed byte offset where inflating failed. */
  at: number;
  /** `at` is only the start of the piece that failed (stdin, before its last TAIL_BYTES). */
  approximate: boolean;
}

/** What a step met: the damage, or nothing. */
type Failure = { e: unknown } | undefined;

/**
 * One zlib inflate stream, fed a piece at a time. Its output is held until taken, HELD_BYTES at most: there
 * the stream pauses (zlib stops after the chunk it is making) until take(), so a step holds that much
 * whatever it inflates to (a gzip bomb inflates a thousandfold).
 */
class Inflater {
  private readonly z: Gunzip = zlib().createGunzip({ chunkSize: CHUNK_BYTES });
  private out: Buffer[] = [];
  private held = 0;
  /** Called when the output held reaches HELD_BYTES. */
  private filled: (() => void) | undefined;
  private readonly failure: Promise<never>;

  constructor() {
    this.z.on('data', (c: Buffer) => {
      this.out.push(c);
      this.held += c.length;
      if (this.held >= HELD_BYTES) {
        this.z.pause();
        this.filled?.();
      }
    });
    this.failure = new Promise((_, reject) => this.z.once('error', reject));
    // a failure is observed through write() and finish(); this keeps an unobserved one from being unhandled
    this.failure.catch(() => undefined);
  }

  /** Starts inflating a piece (a step); ends with the damage it met (the output of that step is lost). */
  write(piece: Uint8Array): Promise<Failure> {
    return this.settled(new Promise<void>((resolve, reject) => this.z.write(piece, (e) => (e ? reject(e) : resolve()))));
  }

  /** No more input; ends with the damage when the data ended early. */
  finish(): Promise<Failure> {
    const ended = new Promise<void>((resolve) => this.z.once('end', resolve));
    this.z.end();
    return this.settled(ended);
  }

  /**
   * Waits for a step to end, yielding the output each time HELD_BYTES of it is held (the stream waits for
   * that), and returns what the step met. The output after the last yield is left to take().
   */
  async *drain(step: Promise<Failure>): AsyncGenerator<Buffer, Failure> {
    const ended = step.then((failure) => ({ failure }));
    for (;;) {
      const filled = new Promise<undefined>((resolve) => {
        this.filled = () => resolve(undefined);
        if (this.held >= HELD_BYTES) resolve(undefined);
      });
      const r = await Promise.race([ended, filled]);
      this.filled = undefined;
      if (r) return r.failure;
      yield* this.take();
    }
  }

  /** The output so far not taken yet (the stream goes on if it waited for this). */
  take(): Buffer[] {
    const out = this.out;
    this.out = [];
    this.held = 0;
    if (this.z.isPaused()) this.z.resume();
    return out;
  }

  destroy(): void {
    this.z.destroy();
  }

  private settled(done: Promise<void>): Promise<Failure> {
    return Promise.race([done, this.failure]).then(() => undefined, (e: unknown) => ({ e }));
  }
}

/** A damage met at compressed byte `at` while inflating (not at the end of the data). */
function damageAt(e: unknown, at: number, approximate: boolean): GzipDamage {
  const message = (e as Error).message;
  // a member header is only read at the start or after a complete member
  const kind = at > 0 && /header|compression method/.test(message) ? 'trailing' : 'corrupt';
  return { kind, message, at, approximate };
}

/** Where compressed bytes can be read again: the file at `path`, byte 0 of them at `base` (stdin's offset). */
export interface ReadAgain {
  path: string;
  base: number;
}

/**
 * The decompressed bytes of `compressed`; on damage, what came before it, then `onDamage`. `again`, when
 * given, is where `compressed` can be read again (a regular file), to recover the output the damaged step
 * held back; without it (a pipe) the last bytes go in one at a time.
 */
export async function* gunzip(compressed: AsyncIterable<Uint8Array>, onDamage: (d: GzipDamage) => void, again?: ReadAgain): AsyncGenerator<Uint8Array> {
  const inflater = new Inflater();
  /** Compressed bytes inflated without damage, and the output handed over. */
  let inflated = 0;
  let handed = 0;
  /** The step's output, handed over as it fills the inflater; returns what the step met. */
  const drained = async function* (step: Promise<Failure>): AsyncGenerator<Uint8Array, Failure> {
    const it = inflater.drain(step);
    for (let r = await it.next(); ; r = await it.next()) {
      if (r.done) return r.value;
      handed += r.value.length;
      yield r.value;
    }
  };
  const input = pieces(compressed, again === undefined)[Symbol.asyncIterator]();
  try {
    let next = await input.next();
    let step = next.done ? undefined : inflater.write(next.value);
    while (step) {
      const piece = next.value as Uint8Array;
      const failure = yield* drained(step);
      const outs = inflater.take();
      // the next piece inflates (on zlib's thread) while this one's output is read
      step = undefined;
      if (!failure) {
        inflated += piece.length;
        next = await input.next();
        if (!next.done) step = inflater.write(next.value);
      }
      for (const out of outs) {
        handed += out.length;
        yield out;
      }
      if (!failure) continue;
      // a piece of one byte held back nothing; a larger one did, and only a file can be read again
      const exact = piece.length === 1 || again !== undefined;
      const damage = damageAt(failure.e, inflated, !exact);
      if (piece.length > 1 && again !== undefined) for await (const out of reinflate(again, inflated, handed, damage, piece.length)) yield out;
      onDamage(damage);
      return;
    }
    const failure = yield* drained(inflater.finish());
    for (const out of inflater.take()) yield out;
    // the data stopped before its end: every step before this one succeeded, so nothing was held back
    if (failure) onDamage({ kind: 'cut', message: (failure.e as Error).message, at: inflated, approximate: false });
  } finally {
    inflater.destroy();
    // the compressed input is let go of when the output is not read to its end
    await input.return?.(undefined);
  }
}

/** The compressed bytes in pieces; for stdin (`holdTail`), the last TAIL_BYTES one byte at a time. */
async function* pieces(compressed: AsyncIterable<Uint8Array>, holdTail: boolean): AsyncGenerator<Uint8Array> {
  const size = holdTail ? STDIN_PIECE_BYTES : FILE_PIECE_BYTES;
  let held = new Uint8Array(0);
  for await (const chunk of compressed) {
    let data = chunk;
    if (holdTail) {
      data = new Uint8Array(held.length + chunk.length);
      data.set(held);
      data.set(chunk, held.length);
      const keep = Math.min(TAIL_BYTES, data.length);
      held = data.slice(data.length - keep);
      data = data.subarray(0, data.length - keep);
    }
    for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
  }
  for (let i = 0; i < held.length; i++) yield held.subarray(i, i + 1);
}

/**
 * Inflates the file again: its first `from` bytes (whose `skip` bytes of output were handed over), then the
 * `span` bytes after them that failed, by FINE_BYTES (a larger span) or byte by byte, until the damage,
 * yielding the output not handed over yet and placing the damage. A step of FINE_BYTES that fails is gone
 * through the same way again, byte by byte.
 */
async function* reinflate(again: ReadAgain, from: number, skip: number, damage: GzipDamage, span: number): AsyncGenerator<Uint8Array> {
  const step = span > FINE_BYTES ? FINE_BYTES : 1;
  const inflater = new Inflater();
  const fh = await open(again.path, 'r');
  try {
    const buf = new Uint8Array(REREAD_BYTES);
    let produced = 0;
    const fresh = function* (outs: Buffer[]) {
      for (const out of outs) {
        const start = Math.max(0, skip - produced);
        produced += out.length;
        if (start < out.length) yield out.subarray(start);
      }
    };
    /** Inflates `bytes` as one step, yielding its fresh output; returns what the step met. */
    const inflate = async function* (bytes: Uint8Array): AsyncGenerator<Uint8Array, Failure> {
      const it = inflater.drain(inflater.write(bytes));
      for (let r = await it.next(); ; r = await it.next()) {
        if (r.done) return r.value;
        yield* fresh([r.value]);
      }
    };
    for (let pos = 0; pos < from;) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, from - pos), again.base + pos);
      if (bytesRead === 0) return;
      // the first pass inflated these bytes without damage: one that appears now means the file changed
      if (yield* inflate(buf.slice(0, bytesRead))) return;
      yield* fresh(inflater.take());
      pos += bytesRead;
    }
    const { bytesRead } = await fh.read(buf, 0, span, again.base + from);
    for (let i = 0; i < bytesRead; i += step) {
      const failure = yield* inflate(buf.slice(i, i + step));
      yield* fresh(inflater.take());
      if (!failure) continue;
      if (step === 1) Object.assign(damage, damageAt(failure.e, from + i, false));
      else yield* reinflate(again, from + i, Math.max(skip, produced), damage, step);
      return;
    }
  } catch {
    // the file changed or cannot be read again: what the first pass handed over stands
  } finally {
    inflater.destroy();
    await fh.close();
  }
}
