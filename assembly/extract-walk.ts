// The building blocks of field extraction (fields.md §5): value-to-string conversion, path lookup, and
// the W walker that expands arrays met on a path into a list of slots.
import {
  NONE, T_ARRAY, T_KEY, T_STRING, T_OBJECT, compactText, getStep, lastTextLength, nodeLen,
  nodeNext, nodeStart, nodeType, arrayAt, open, stringText, textLen, textPtr,
} from './json';
import { pushValue } from './memory';

/** The result of asString: valid until the arena is reset. */
export let strPtr: usize = 0;
export let strLen: i32 = 0;

/**
 * asString (§3.3): a string's unescaped content, anything else as compact JSON. False only when the
 * arena is exhausted (the caller then gives no value).
 */
export function asString(n: i32): bool {
  const t = nodeType(n);
  if (t == T_STRING || t == T_KEY) {
    if (!stringText(n)) return false;
    strPtr = textPtr;
    strLen = textLen;
    return true;
  }
  if (t == T_OBJECT || t == T_ARRAY) {
    const p = compactText(n);
    if (!p) return false;
    strPtr = p;
    strLen = lastTextLength();
    return true;
  }
  strPtr = nodeStart(n);
  strLen = nodeLen(n);
  return true;
}

/** Pushes asString(n) on the value stack. */
export function pushString(n: i32): bool {
  if (!asString(n)) return false;
  pushValue(strPtr, strLen);
  return true;
}

/** Whether asString(n) equals the given bytes. */
export function stringEquals(n: i32, p: usize, len: i32): bool {
  return asString(n) && strLen == len && memory.compare(strPtr, p, <usize>len) == 0;
}

// A path is a run of steps in a table of (key offset, key length) u32 pairs; keys are in `keys`.
// Key length 0 is the identity step.

/** Plain lookup along steps [first, first+count) (fastjson Get: no array expansion); NONE if missing. */
export function getPath(v: i32, keys: usize, steps: usize, first: i32, count: i32): i32 {
  for (let i = first; i < first + count && v != NONE; i++) {
    const s = steps + (<usize>i << 3);
    const len = <i32>load<u32>(s, 4);
    if (len) v = getStep(v, keys + <usize>load<u32>(s), len);
  }
  return v;
}

// ---- the W walker ----------------------------------------------------------------------------------------

/** walk results */
export const W_NA: i32 = 0; // not available
export const W_OK: i32 = 1;
export const W_PANIC: i32 = -1; // an index >= 2^63 met an array (upstream panics)

/** No index argument. */
export const NO_INDEX: i64 = -1;
/** A nil slot: the path was missing inside one element. */
export const NIL: i32 = -1;

let slotsPtr: usize = 0;
let slotsCap: i32 = 0;
let slotsTop: i32 = 0;

@inline export function slotCount(): i32 {
  return slotsTop;
}
@inline export function slotAt(i: i32): i32 {
  return load<i32>(slotsPtr + (<usize>i << 2));
}

function pushSlot(v: i32): void {
  if (slotsTop == slotsCap) {
    const cap = max<i32>(256, slotsCap << 1);
    slotsPtr = slotsPtr ? heap.realloc(slotsPtr, <usize>cap << 2) : heap.alloc(<usize>cap << 2);
    slotsCap = cap;
  }
  store<i32>(slotsPtr + (<usize>slotsTop << 2), v);
  slotsTop++;
}

function walkFrom(v: i32, keys: usize, steps: usize, p: i32, end: i32, index: i64): i32 {
  for (; p < end; p++) {
    if (nodeType(v) == T_ARRAY) {
      if (index == NO_INDEX) {
        const a = open(v);
        const stop = nodeNext(a);
        for (let c = a + 1; c < stop; c = nodeNext(c)) {
          const mark = slotsTop;
          const r = walkFrom(c, keys, steps, p, end, index);
          if (r == W_PANIC) return r;
          if (r == W_NA) {
            slotsTop = mark;
            pushSlot(NIL);
          }
        }
        return W_OK;
      }
      if (index < 0) return W_PANIC;
      v = arrayAt(v, index);
      if (v == NONE) return W_NA;
    }
    const s = steps + (<usize>p << 3);
    const len = <i32>load<u32>(s, 4);
    if (len) {
      v = getStep(v, keys + <usize>load<u32>(s), len);
      if (v == NONE) return W_NA;
    }
  }
  pushSlot(v);
  return W_OK;
}

/**
 * W(path, index) from node v over steps [first, first+count): W_OK with the slots in slotAt(0..slotCount()),
 * W_NA, or W_PANIC. Without an index every array met is expanded (a miss inside an element is a NIL
 * slot); with one, every array met is indexed with it. The final value is never expanded.
 */
export function walk(v: i32, keys: usize, steps: usize, first: i32, count: i32, index: i64): i32 {
  slotsTop = 0;
  const r = walkFrom(v, keys, steps, first, first + count, index);
  if (r != W_OK) slotsTop = 0;
  return r;
}
