// Alert lines as the engine writes them (Engine.setLineRendering) and as they travel from a worker to the
// outputs: UTF-8, back to back, in one buffer, so that a batch's lines are one copy and one message.
import { LINE_NONE } from '../compile/bytecode.js';

/**
 * The lines of a run of matches: match k's line ends at ends[k] and starts where the line of the last match
 * before it that has one ended (0 for the first). ends[k] is LINE_NONE (0xffffffff) for a match without a
 * line (the engine could not write it exactly): it keeps its tokens and fields, and is formatted from those.
 */
export interface AlertLines {
  /** The lines, back to back, without newlines. */
  bytes: Uint8Array;
  /** Per match, where its line ends in `bytes`, or LINE_NONE. */
  ends: Uint32Array;
}

/** Whether match k of `lines` has a line. */
export const hasLine = (lines: AlertLines | undefined, k: number): boolean => lines !== undefined && lines.ends[k] !== LINE_NONE;

/** One view per match: its line, or undefined. */
export function lineViews(lines: AlertLines): (Uint8Array | undefined)[] {
  const { buffer, byteOffset } = lines.bytes;
  const views = new Array<Uint8Array | undefined>(lines.ends.length);
  let start = 0;
  for (let k = 0; k < views.length; k++) {
    const end = lines.ends[k];
    if (end === LINE_NONE) {
      views[k] = undefined; // no holes: callers map and filter the array
      continue;
    }
    // the constructor, not subarray(): a quarter of the cost (no species lookup), and this is per alert
    views[k] = new Uint8Array(buffer, byteOffset + start, end - start);
    start = end;
  }
  return views;
}

/** The lines of several batches joined, in order (a byte range evaluated in batches, a worker's task). */
export class AlertLinesBuilder {
  private parts: AlertLines[] = [];
  private matches = 0;
  private bytes = 0;
  private written = false;

  /** The lines of the next `count` matches (undefined: none of them has one). */
  add(lines: AlertLines | undefined, count: number): void {
    if (count === 0) return;
    const part = lines ?? { bytes: new Uint8Array(0), ends: new Uint32Array(count).fill(LINE_NONE) };
    this.parts.push(part);
    this.matches += count;
    this.bytes += part.bytes.length;
    this.written ||= lines !== undefined;
  }

  /** The lines added since the last take, or undefined when no match has one. */
  take(): AlertLines | undefined {
    const parts = this.parts;
    const written = this.written;
    const matches = this.matches;
    const size = this.bytes;
    this.clear();
    if (!written) return undefined;
    if (parts.length === 1) return parts[0];
    const bytes = new Uint8Array(size);
    const ends = new Uint32Array(matches);
    let at = 0;
    let k = 0;
    for (const part of parts) {
      bytes.set(part.bytes, at);
      for (const end of part.ends) ends[k++] = end === LINE_NONE ? LINE_NONE : end + at;
      at += part.bytes.length;
    }
    return { bytes, ends };
  }

  clear(): void {
    this.parts = [];
    this.matches = 0;
    this.bytes = 0;
    this.written = false;
  }
}
