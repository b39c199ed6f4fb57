// Gunzips an input for the file source and reads what can be read of a damaged one, as `gzip -d` does: a
// corrupt member, a file cut short or trailing bytes that are not gzip end the data where the damage is,
// and everything before it is still handed over. The damage is then told with its compressed byte offset.
//
// zlib drops the output of the step in which it meets the damage, so the compressed bytes go in by pieces
// (each piece is one step, or a few while its output fills the buffer), and when a piece fails in a file,
// the file is inflated again up to that piece (its output was handed over already) and the piece in steps
// of FINE_BYTES, then again up to the step that failed and that step byte by byte: what the failed steps
// held back comes out, and the damage is placed to the byte. A file's pieces are large (FILE_PIECE_BYTES,
// about 2 MB of output each, in 1 MiB chunks): every step is a trip to zlib's thread and back, and with
// 16 KiB pieces and 64 KiB chunks those trips took longer than inflating (issue 17). stdin cannot be read
// again; it goes in by STDIN_PIECE_BYTES, and its last TAIL_BYTES byte by byte, so the usual damage at the
// end (a stream cut short, a few bytes of trailing garbage) loses nothing, and damage before them loses up
// to one piece's output.
import { open } from 'node:fs/promises';
import { createGunzip, type Gunzip } from 'node:zlib';

/** Compressed bytes inflated in one step: a file's, stdin's, and a failed piece's on its second pass. */
const FILE_PIECE_BYTES = 256 << 10;
const STDIN_PIECE_BYTES = 16 << 10;
const FINE_BYTES = 16 << 10;
/** Output bytes per chunk zlib hands over. */
const CHUNK_BYTES = 1 << 20;
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

/** One zlib inflate stream, fed a piece at a time. */
class Inflater {
  private readonly z: Gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
  private out: Buffer[] = [];
  private readonly failure: Promise<never>;

  constructor() {
    this.z.on('data', (c: Buffer) => this.out.push(c));
    this.failure = new Promise((_, reject) => this.z.once('error', reject));
    // a failure is observed through write() and end(); this keeps an unobserved one from being unhandled
    this.failure.catch(() => undefined);
  }

  /** Inflates a piece; throws on damage (the output of the step that met it is lost). */
  async write(piece: Uint8Array): Promise<void> {
    await Promise.race([new Promise<void>((resolve, reject) => this.z.write(piece, (e) => (e ? reject(e) : resolve()))), this.failure]);
  }

  /** No more input; throws when the data ended early. */
  async end(): Promise<void> {
    const ended = new Promise<void>((resolve) => this.z.once('end', resolve));
    this.z.end();
    await Promise.race([ended, this.failure]);
  }

  /** The output so far not taken yet. */
  take(): Buffer[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  destroy(): void {
    this.z.destroy();
  }
}

/** A damage met at compressed byte `at` while inflating (not at the end of the data). */
function damageAt(e: unknown, at: number, approximate: boolean): GzipDamage {
  const message = (e as Error).message;
  // a member header is only read at the start or after a complete member
  const kind = at > 0 && /header|compression method/.test(message) ? 'trailing' : 'corrupt';
  return { kind, message, at, approximate };
}

/**
 * The decompressed bytes of `compressed`; on damage, what came before it, then `onDamage`. `file`, when
 * given, is where `compressed` comes from (read again to recover the output the damaged step held back).
 */
export async function* gunzip(compressed: AsyncIterable<Uint8Array>, onDamage: (d: GzipDamage) => void, file?: string): AsyncGenerator<Uint8Array> {
  const inflater = new Inflater();
  /** Compressed bytes inflated without damage, and the output handed over. */
  let inflated = 0;
  let handed = 0;
  try {
    for await (const piece of pieces(compressed, file === undefined)) {
      let failed: unknown;
      try {
        await inflater.write(piece);
      } catch (e) {
        failed = e;
      }
      for (const out of inflater.take()) {
        handed += out.length;
        yield out;
      }
      if (failed === undefined) {
        inflated += piece.length;
        continue;
      }
      // a piece of one byte held back nothing; a larger one did, and only a file can be read again
      const exact = piece.length === 1 || file !== undefined;
      const damage = damageAt(failed, inflated, !exact);
      if (piece.length > 1 && file !== undefined) for await (const out of reinflate(file, inflated, handed, damage, piece.length)) yield out;
      onDamage(damage);
      return;
    }
    let failed: unknown;
    try {
      await inflater.end();
    } catch (e) {
      failed = e;
    }
    for (const out of inflater.take()) yield out;
    // the data stopped before its end: every step before this one succeeded, so nothing was held back
    if (failed !== undefined) onDamage({ kind: 'cut', message: (failed as Error).message, at: inflated, approximate: false });
  } finally {
    inflater.destroy();
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
 * Inflates `file` again: its first `from` bytes (whose `skip` bytes of output were handed over), then the
 * `span` bytes after them that failed, by FINE_BYTES (a larger span) or byte by byte, until the damage,
 * yielding the output not handed over yet and placing the damage. A step of FINE_BYTES that fails is gone
 * through the same way again, byte by byte.
 */
async function* reinflate(file: string, from: number, skip: number, damage: GzipDamage, span: number): AsyncGenerator<Uint8Array> {
  const step = span > FINE_BYTES ? FINE_BYTES : 1;
  const inflater = new Inflater();
  const fh = await open(file, 'r');
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
    for (let pos = 0; pos < from;) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, from - pos), pos);
      if (bytesRead === 0) return;
      await inflater.write(buf.slice(0, bytesRead));
      yield* fresh(inflater.take());
      pos += bytesRead;
    }
    const { bytesRead } = await fh.read(buf, 0, span, from);
    for (let i = 0; i < bytesRead; i += step) {
      try {
        await inflater.write(buf.slice(i, i + step));
      } catch (e) {
        yield* fresh(inflater.take());
        if (step === 1) Object.assign(damage, damageAt(e, from + i, false));
        else yield* reinflate(file, from + i, Math.max(skip, produced), damage, step);
        return;
      }
      yield* fresh(inflater.take());
    }
  } catch {
    // the file changed or cannot be read again: what the first pass handed over stands
  } finally {
    inflater.destroy();
    await fh.close();
  }
}
