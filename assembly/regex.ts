// Runs a regular expression compiled by src/regex/regex.ts against a whole value, in time linear in the
// value. A program is either a DFA (one table lookup per byte) or, when no small DFA exists or the pattern
// has `^`/`$` assertions inside it, a Thompson NFA simulated in lockstep: every live state advances on the
// same byte, with sparse sets so each state is visited at most once per byte. There is no backtracking, so
// no pattern/value pair takes more than O(value length × instruction count) steps.
//
// Program layout (all integers little-endian):
//   u32 kind                1 = DFA, 2 = NFA
// DFA:
//   u32 stateCount, u32 classCount
//   u8  classOf[256]        the column of each byte value
//   u8  accepting[stateCount]
//   u16 next[stateCount × classCount]   the state after a byte; 0xFFFF = no match possible. Start: state 0.
// NFA:
//   u32 instCount, u32 setCount
//   instCount × 8 bytes     instruction: u8 op, u8 lo, u8 hi, u8 0, u32 arg
//   setCount × 32 bytes     byte sets: 256-bit bitmaps, bit b of byte (b >> 3) set when byte b is a member
// NFA instruction ops (pc is the instruction's index; execution starts at pc 0):
//   1 BYTE   consume one byte in [lo, hi], go to pc+1
//   2 SET    consume one byte in byte set `arg`, go to pc+1
//   3 SPLIT  go to both pc+1 and arg
//   4 JMP    go to arg
//   5 BOL    continue to pc+1 only at the start of the value or just after '\n' (RE2 POSIX `^`)
//   6 EOL    continue to pc+1 only at the end of the value or just before '\n' (RE2 POSIX `$`)
//   7 MATCH  accept if this is the end of the value

const KIND_DFA: u32 = 1;
const DEAD: u32 = 0xffff;

function dfaMatch(prog: usize, text: usize, len: i32): bool {
  const count = <usize>load<u32>(prog, 4);
  const classes = <usize>load<u32>(prog, 8);
  const classOf = prog + 12;
  const accepting = classOf + 256;
  const next = accepting + count;
  let s: usize = 0;
  for (let pos: i32 = 0; pos < len; pos++) {
    const c = <usize>load<u8>(classOf + <usize>load<u8>(text + <usize>pos));
    s = <usize>load<u16>(next + ((s * classes + c) << 1));
    if (s == DEAD) return false;
  }
  return load<u8>(accepting + s) != 0;
}

const BYTE: u8 = 1;
const SET: u8 = 2;
const SPLIT: u8 = 3;
const JMP: u8 = 4;
const BOL: u8 = 5;
const EOL: u8 = 6;
const MATCH: u8 = 7;

// Scratch for the simulation, grown to the largest program seen and kept for the instance's lifetime:
// two sparse sets (dense + sparse arrays each) and a work stack for epsilon closures, all u32 × capacity.
let scratchCap: u32 = 0;
let curDense: usize = 0;
let curSparse: usize = 0;
let nextDense: usize = 0;
let nextSparse: usize = 0;
let stack: usize = 0;
let curSize: u32 = 0;
let nextSize: u32 = 0;

function reserve(n: u32): void {
  if (n <= scratchCap) return;
  const bytes = <usize>n << 2;
  if (scratchCap) {
    heap.free(curDense);
    heap.free(curSparse);
    heap.free(nextDense);
    heap.free(nextSparse);
    heap.free(stack);
  }
  curDense = heap.alloc(bytes);
  curSparse = heap.alloc(bytes);
  nextDense = heap.alloc(bytes);
  nextSparse = heap.alloc(bytes);
  stack = heap.alloc(bytes);
  scratchCap = n;
}

@inline function inNext(pc: u32): bool {
  const i = load<u32>(nextSparse + (<usize>pc << 2));
  return i < nextSize && load<u32>(nextDense + (<usize>i << 2)) == pc;
}

/** Adds pc and everything reachable from it without consuming a byte, at value position pos, to `next`. */
function addClosure(prog: usize, pc0: u32, text: usize, len: i32, pos: i32): void {
  let top: usize = 0;
  store<u32>(stack, pc0);
  top = 1;
  while (top > 0) {
    top--;
    const pc = load<u32>(stack + (top << 2));
    if (inNext(pc)) continue;
    store<u32>(nextSparse + (<usize>pc << 2), nextSize);
    store<u32>(nextDense + (<usize>nextSize << 2), pc);
    nextSize++;
    const inst = prog + 12 + (<usize>pc << 3);
    const op = load<u8>(inst);
    // Pushes happen only for a pc just added (at most 2 each), so the stack holds at most 1 + 2n entries.
    if (op == JMP) {
      store<u32>(stack + (top << 2), load<u32>(inst, 4));
      top++;
    } else if (op == SPLIT) {
      store<u32>(stack + (top << 2), load<u32>(inst, 4));
      store<u32>(stack + ((top + 1) << 2), pc + 1);
      top += 2;
    } else if (op == BOL) {
      if (pos == 0 || load<u8>(text + <usize>(pos - 1)) == 0x0a) {
        store<u32>(stack + (top << 2), pc + 1);
        top++;
      }
    } else if (op == EOL) {
      if (pos == len || load<u8>(text + <usize>pos) == 0x0a) {
        store<u32>(stack + (top << 2), pc + 1);
        top++;
      }
    }
  }
}

function swapSets(): void {
  let t = curDense;
  curDense = nextDense;
  nextDense = t;
  t = curSparse;
  curSparse = nextSparse;
  nextSparse = t;
  curSize = nextSize;
  nextSize = 0;
}

/** Whether the compiled regex at `prog` matches the whole value text[0, len). */
export function regexMatch(prog: usize, text: usize, len: i32): bool {
  if (load<u32>(prog) == KIND_DFA) return dfaMatch(prog, text, len);
  return nfaMatch(prog, text, len);
}

function nfaMatch(prog: usize, text: usize, len: i32): bool {
  const n = load<u32>(prog, 4);
  if (n == 0) return false;
  reserve((n << 1) + 1); // the closure stack's bound; the sets need only n

  const sets = prog + 12 + (<usize>n << 3);
  nextSize = 0;
  addClosure(prog, 0, text, len, 0);
  swapSets();
  for (let pos: i32 = 0; pos < len; pos++) {
    if (curSize == 0) return false;
    const b = <u32>load<u8>(text + <usize>pos);
    for (let k: u32 = 0; k < curSize; k++) {
      const pc = load<u32>(curDense + (<usize>k << 2));
      const inst = prog + 12 + (<usize>pc << 3);
      const op = load<u8>(inst);
      let ok = false;
      if (op == BYTE) {
        ok = b >= <u32>load<u8>(inst, 1) && b <= <u32>load<u8>(inst, 2);
      } else if (op == SET) {
        const set = sets + (<usize>load<u32>(inst, 4) << 5);
        ok = ((<u32>load<u8>(set + <usize>(b >> 3)) >> (b & 7)) & 1) != 0;
      }
      if (ok) addClosure(prog, pc + 1, text, len, pos + 1);
    }
    swapSets();
  }
  for (let k: u32 = 0; k < curSize; k++) {
    const pc = load<u32>(curDense + (<usize>k << 2));
    if (load<u8>(prog + 12 + (<usize>pc << 3)) == MATCH) return true;
  }
  return false;
}
