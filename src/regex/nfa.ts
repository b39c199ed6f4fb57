// Emits the Thompson NFA for a regex syntax tree as byte-level instructions (layout in assembly/regex.ts):
// code point sets become alternations of UTF-8 byte-range sequences, counted repetitions are expanded.
import { fail, type Node, type Ranges } from './syntax.js';

const MAX_INSTRUCTIONS = 100_000; // bounds program size and per-byte work

// ---- UTF-8 byte sequences for code point ranges -----------------------------------------------------------

/** Byte-range sequences matching exactly the UTF-8 encodings of code points lo…hi (surrogates excluded). */
function utf8Sequences(lo: number, hi: number, out: [number, number][][]): void {
  if (lo <= 0xdfff && hi >= 0xd800) {
    if (lo < 0xd800) utf8Sequences(lo, 0xd7ff, out);
    if (hi > 0xdfff) utf8Sequences(0xe000, hi, out);
    return;
  }
  // split at the boundaries between encoding lengths
  for (const limit of [0x7f, 0x7ff, 0xffff]) {
    if (lo <= limit && hi > limit) {
      utf8Sequences(lo, limit, out);
      utf8Sequences(limit + 1, hi, out);
      return;
    }
  }
  if (hi <= 0x7f) {
    out.push([[lo, hi]]);
    return;
  }
  // same length: split until every continuation byte position spans a full or a single-prefix range
  const n = hi <= 0x7ff ? 2 : hi <= 0xffff ? 3 : 4;
  for (let i = 1; i < n; i++) {
    const m = (1 << (6 * i)) - 1;
    if ((lo & ~m) !== (hi & ~m)) {
      if ((lo & m) !== 0) {
        utf8Sequences(lo, lo | m, out);
        utf8Sequences((lo | m) + 1, hi, out);
        return;
      }
      if ((hi & m) !== m) {
        utf8Sequences(lo, (hi & ~m) - 1, out);
        utf8Sequences(hi & ~m, hi, out);
        return;
      }
    }
  }
  const a = encodeUtf8(lo);
  const b = encodeUtf8(hi);
  out.push(a.map((x, i): [number, number] => [x, b[i]]));
}

function encodeUtf8(c: number): number[] {
  if (c <= 0x7f) return [c];
  if (c <= 0x7ff) return [0xc0 | (c >> 6), 0x80 | (c & 0x3f)];
  if (c <= 0xffff) return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
  return [0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
}

// ---- program emission --------------------------------------------------------------------------------------

export const KIND_DFA = 1;
export const KIND_NFA = 2;

export const I_BYTE = 1;
export const I_SET = 2;
export const I_SPLIT = 3;
export const I_JMP = 4;
export const I_BOL = 5;
export const I_EOL = 6;
export const I_MATCH = 7;

export class Emitter {
  readonly op: number[] = [];
  readonly lo: number[] = [];
  readonly hi: number[] = [];
  readonly arg: number[] = [];
  readonly sets: Uint8Array[] = [];
  private readonly setIndex = new Map<string, number>();

  emit(op: number, arg = 0, lo = 0, hi = 0): number {
    if (this.op.length >= MAX_INSTRUCTIONS) fail('pattern too large - compile failed');
    this.op.push(op);
    this.lo.push(lo);
    this.hi.push(hi);
    this.arg.push(arg);
    return this.op.length - 1;
  }

  get pc(): number {
    return this.op.length;
  }

  node(n: Node): void {
    switch (n.k) {
      case 'chars': return this.chars(n.ranges);
      case 'cat': for (const s of n.subs) this.node(s); return;
      case 'alt': return this.alternatives(n.subs.map((s) => () => this.node(s)));
      case 'bol': this.emit(I_BOL); return;
      case 'eol': this.emit(I_EOL); return;
      case 'rep': return this.repeat(n.sub, n.min, n.max);
    }
  }

  /** Each branch at pc+1 of a SPLIT to the next branch; every branch but the last jumps to the end. */
  private alternatives(branches: (() => void)[]): void {
    const jumps: number[] = [];
    branches.forEach((branch, i) => {
      const split = i < branches.length - 1 ? this.emit(I_SPLIT) : -1;
      branch();
      if (split >= 0) {
        jumps.push(this.emit(I_JMP));
        this.arg[split] = this.pc;
      }
    });
    for (const j of jumps) this.arg[j] = this.pc;
  }

  private repeat(sub: Node, min: number, max: number): void {
    if (max === -1) {
      if (min === 0) { // L: SPLIT end; sub; JMP L; end:
        const split = this.emit(I_SPLIT);
        this.node(sub);
        this.emit(I_JMP, split);
        this.arg[split] = this.pc;
        return;
      }
      for (let i = 0; i < min - 1; i++) this.node(sub);
      const loop = this.pc; // L: sub; SPLIT L
      this.node(sub);
      this.emit(I_SPLIT, loop);
      return;
    }
    for (let i = 0; i < min; i++) this.node(sub);
    const splits: number[] = []; // (SPLIT end; sub) × (max - min): skipping one copy skips the rest
    for (let i = min; i < max; i++) {
      splits.push(this.emit(I_SPLIT));
      this.node(sub);
    }
    for (const s of splits) this.arg[s] = this.pc;
  }

  private chars(ranges: Ranges): void {
    const branches: (() => void)[] = [];
    const ascii: [number, number][] = [];
    const seqs: [number, number][][] = [];
    for (let i = 0; i < ranges.length; i += 2) {
      const lo = ranges[i];
      const hi = ranges[i + 1];
      if (lo <= 0x7f) ascii.push([lo, Math.min(hi, 0x7f)]);
      if (hi > 0x7f) utf8Sequences(Math.max(lo, 0x80), hi, seqs);
    }
    if (ascii.length === 1) branches.push(() => this.emit(I_BYTE, 0, ascii[0][0], ascii[0][1]));
    else if (ascii.length > 1) branches.push(() => this.emit(I_SET, this.byteSet(ascii)));
    // Multi-byte sequences mostly end alike ([80-BF] continuation bytes): a branch whose tail was already
    // emitted by an earlier branch jumps into it instead of repeating it.
    const tails = new Map<string, number>();
    for (const seq of seqs) {
      branches.push(() => {
        let shared = -1;
        let own = seq.length;
        for (let k = 1; k < seq.length; k++) {
          const at = tails.get(seq.slice(k).join(';'));
          if (at !== undefined) { shared = at; own = k; break; }
        }
        for (let k = 0; k < own; k++) {
          if (k > 0) tails.set(seq.slice(k).join(';'), this.pc);
          this.emit(I_BYTE, 0, seq[k][0], seq[k][1]);
        }
        if (shared >= 0) this.emit(I_JMP, shared);
      });
    }
    // an empty set (e.g. [^\x00-\x{10FFFF}]) matches nothing: an empty byte set
    if (branches.length === 0) branches.push(() => this.emit(I_SET, this.byteSet([])));
    this.alternatives(branches);
  }

  private byteSet(ranges: [number, number][]): number {
    const bits = new Uint8Array(32);
    for (const [lo, hi] of ranges) for (let b = lo; b <= hi; b++) bits[b >> 3] |= 1 << (b & 7);
    const key = bits.join(',');
    let index = this.setIndex.get(key);
    if (index === undefined) {
      index = this.sets.length;
      this.sets.push(bits);
      this.setIndex.set(key, index);
    }
    return index;
  }

  serialize(): Uint8Array {
    const n = this.op.length;
    const out = new Uint8Array(12 + n * 8 + this.sets.length * 32);
    const view = new DataView(out.buffer);
    view.setUint32(0, KIND_NFA, true);
    view.setUint32(4, n, true);
    view.setUint32(8, this.sets.length, true);
    for (let i = 0; i < n; i++) {
      const at = 12 + i * 8;
      out[at] = this.op[i];
      out[at + 1] = this.lo[i];
      out[at + 2] = this.hi[i];
      view.setUint32(at + 4, this.arg[i], true);
    }
    this.sets.forEach((s, i) => out.set(s, 12 + n * 8 + i * 32));
    return out;
  }
}

