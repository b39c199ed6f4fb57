// Operand slots: the values of a field (with its argument) or of a transformer expression, computed at
// most once per event and cached (program.ts). A slot's values are a run [first, first + count) of the
// value stack (memory.ts); count 0 means "no value", which makes every check on it false.
import { progBase, slotTable, slotCache, epoch } from './program';
import { arenaAlloc, pushValue, setValueLen, valueLen, valuePtr, valuesMark, valuesRewind } from './memory';
import { extractField } from './extract';
import { nulDecoded } from './json';
import { applyTransform } from './transform';
import { Xf } from './opcodes';
import { SLOT_FIELD, TARG_CONST, TARG_LIST, TARG_SLOT, TF_LIST_INPUT, T_CONCAT, T_JOIN } from './vm-bytecode';

/** The first value index of the run the last slotValues() call returned. */
export let runFirst: i32 = 0;

/** The values of operand slot `slot` for the current event; their count is returned, the run starts at runFirst. */
export function slotValues(slot: i32): i32 {
  const cache = slotCache + <usize>slot * 12;
  if (load<u32>(cache) == epoch) {
    runFirst = load<i32>(cache, 4);
    return load<i32>(cache, 8);
  }
  const rec = progBase + <usize>load<u32>(slotTable + (<usize>slot << 2));
  let first: i32;
  let count: i32;
  if (load<u32>(rec) == SLOT_FIELD) {
    first = valuesMark();
    const argLen = load<i32>(rec, 12);
    count = extractField(<i32>load<u32>(rec, 4), progBase + <usize>load<u32>(rec, 8), argLen, load<i64>(rec, 16));
    if (count <= 0) {
      valuesRewind(first);
      count = 0;
    } else if (nulDecoded) {
      cutAtNul(first, count);
    }
  } else {
    count = transform(rec);
    first = runFirst;
  }
  store<u32>(cache, epoch);
  store<i32>(cache, first, 4);
  store<i32>(cache, count, 8);
  runFirst = first;
  return count;
}

/**
 * libsinsp takes plugin strings as C strings: a value holding U+0000 (only a \u0000 escape can put one
 * there) is seen up to the NUL, by conditions and outputs alike (fields.md §1). `kawa extract` shows the
 * plugin's whole value, as the field goldens do.
 */
function cutAtNul(first: i32, count: i32): void {
  for (let i = first; i < first + count; i++) {
    const p = valuePtr(i);
    const len = valueLen(i);
    for (let k = 0; k < len; k++) {
      if (load<u8>(p + <usize>k) == 0) {
        setValueLen(i, k);
        break;
      }
    }
  }
}

// ---- transformers --------------------------------------------------------------------------------------
const ARG_SIZE: usize = 12;

/** The values of one transformer argument at `arg` (a slot or a constant); run in runFirst. */
function argValues(arg: usize): i32 {
  const kind = load<u32>(arg);
  if (kind == TARG_SLOT) return slotValues(<i32>load<u32>(arg, 4));
  runFirst = valuesMark();
  if (kind == TARG_CONST) {
    pushValue(progBase + <usize>load<u32>(arg, 4), <i32>load<u32>(arg, 8));
    return 1;
  }
  return 0;
}

/** Pushes the decimal text of n (arena bytes) as one value. */
function pushDecimal(n: u64): bool {
  const out = arenaAlloc(20);
  if (out == 0) return false;
  let digits = 0;
  let m = n;
  do { digits++; m /= 10; } while (m != 0);
  m = n;
  for (let i = digits - 1; i >= 0; i--) {
    store<u8>(out + <usize>i, <u8>(48 + <u32>(m % 10)));
    m /= 10;
  }
  pushValue(out, digits);
  return true;
}

/**
 * Joins the first value of each argument (items of a TARG_LIST for join, or the arguments themselves for
 * concat) with sep between them, into one arena value. Any item without a value makes the result missing.
 */
function joinValues(items: usize, n: i32, sep: usize, sepLen: i32): i32 {
  // first pass: make sure every item has a value and measure the result
  let total = 0;
  let arg = items;
  for (let i = 0; i < n; i++) {
    if (argValues(arg) == 0) return 0;
    total += valueLen(runFirst) + (i > 0 ? sepLen : 0);
    arg += ARG_SIZE;
  }
  const out = arenaAlloc(<usize>max(total, 1));
  if (out == 0) return 0;
  let at = out;
  arg = items;
  for (let i = 0; i < n; i++) {
    argValues(arg); // cached or constant: no work repeated
    if (i > 0) {
      memory.copy(at, sep, <usize>sepLen);
      at += <usize>sepLen;
    }
    const len = valueLen(runFirst);
    memory.copy(at, valuePtr(runFirst), <usize>len);
    at += <usize>len;
    arg += ARG_SIZE;
  }
  runFirst = valuesMark();
  pushValue(out, total);
  return 1;
}

/** Evaluates the transformer record at `rec`; returns the count, run in runFirst. */
function transform(rec: usize): i32 {
  const id = load<u32>(rec, 4);
  const flags = load<u32>(rec, 8);
  const argc = <i32>load<u32>(rec, 12);
  const args = rec + 16;
  if (id == T_CONCAT) return joinValues(args, argc, 0, 0);
  if (id == T_JOIN) {
    // join(sep, (items...)): the separator, then a TARG_LIST header followed by its items
    if (argValues(args) == 0) return 0;
    const sepPtr = valuePtr(runFirst);
    const sepLen = valueLen(runFirst);
    const list = args + ARG_SIZE;
    if (load<u32>(list) != TARG_LIST) return 0;
    return joinValues(list + ARG_SIZE, <i32>load<u32>(list, 8), sepPtr, sepLen);
  }
  const n = argValues(args);
  if (n == 0) return 0;
  const first = runFirst;
  const mark = valuesMark();
  if (id == Xf.LEN) {
    runFirst = mark;
    return pushDecimal((flags & TF_LIST_INPUT) != 0 ? <u64>n : <u64>valueLen(first)) ? 1 : 0;
  }
  for (let i = 0; i < n; i++) {
    const r = applyTransform(<i32>id, valuePtr(first + i), valueLen(first + i));
    if (r < 0) {
      // b64 of an invalid input (or an exhausted arena): the operand has no value
      valuesRewind(mark);
      return 0;
    }
    pushValue(<usize>(<u64>r >>> 32), <i32>(r & 0xffffffff));
  }
  runFirst = mark;
  return n;
}

/** Parses a value as an unsigned decimal number (len() results); false when it is not one. */
export let parsedNumber: u64 = 0;
export function parseDecimal(p: usize, len: i32): bool {
  if (len == 0 || len > 20) return false;
  let n: u64 = 0;
  for (let i = 0; i < len; i++) {
    const d = <u32>load<u8>(p + <usize>i) - 48;
    if (d > 9) return false;
    n = n * 10 + <u64>d;
  }
  parsedNumber = n;
  return true;
}
