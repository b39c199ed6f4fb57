// The rule VM: runs the loaded program's conditions (instruction set: src/compile/bytecode.ts) over the
// current event and writes a match record for each rule that matches. Nothing here allocates per event:
// values live on the value stack and in the arena (memory.ts), results go to the output region.
import { progBase, codeBase, memoCache, epoch, ruleCount, ruleRecord, guardCount, guardTable, ruleWords, candidates } from './program';
import { slotValues, runFirst, parseDecimal, parsedNumber } from './vm-operands';
import { valueLen, valuePtr } from './memory';
import { compareModified, compareNumber, compareString } from './ops';
import { pathPrefixMatch } from './pmatch';
import { bytesCompare, bytesEqual } from './bytes';
import {
  I_END, I_JF, I_JT, I_NOT, I_MEMO_GET, I_MEMO_SET, I_CHECK, CHECK_SIZE,
  K_EXISTS, K_STR_CONST, K_STR_SLOT, K_NUM_CONST, K_NUM_SLOT, K_IN_SET, K_ANY_SET, K_IN_SLOT, K_ANY_SLOT,
  K_PMATCH, K_MOD_SET, REC_MATCH, RULES_FIRST,
} from './vm-bytecode';
import { outReserve, outAdvance } from './vm-output';

/** Whether the sorted set at `set` (bytecode.ts) holds the bytes v[0, vl). */
function setHas(set: usize, v: usize, vl: i32): bool {
  return setIndex(set, v, vl) < <i32>load<u32>(set);
}

/** Whether some value of the run [first, first + n) equals v[0, vl). */
function runHas(first: i32, n: i32, v: usize, vl: i32): bool {
  for (let i = 0; i < n; i++) {
    if (bytesEqual(valuePtr(first + i), valueLen(first + i), v, vl)) return true;
  }
  return false;
}

/** The check at `at` (an I_CHECK instruction). False whenever the left operand has no value. */
function check(at: usize): bool {
  const kind = load<u8>(at, 1);
  const op = <i32>load<u8>(at, 2);
  const mod = <i32>load<u8>(at, 3);
  const a = load<u32>(at, 8);
  const b = load<u32>(at, 12);
  const n = slotValues(<i32>load<u32>(at, 4));
  if (n == 0) return false;
  const first = runFirst;
  const v = valuePtr(first);
  const vl = valueLen(first);
  switch (kind) {
    case K_EXISTS:
      return true;
    case K_STR_CONST:
      return compareString(op, v, vl, progBase + <usize>a, <i32>b);
    case K_STR_SLOT: {
      if (slotValues(<i32>a) == 0) return false;
      return compareString(op, v, vl, valuePtr(runFirst), valueLen(runFirst));
    }
    case K_NUM_CONST: {
      if (!parseDecimal(v, vl)) return false;
      return compareNumber(op, false, parsedNumber, (<u64>b << 32) | <u64>a);
    }
    case K_NUM_SLOT: {
      if (!parseDecimal(v, vl)) return false;
      const left = parsedNumber;
      if (slotValues(<i32>a) == 0 || !parseDecimal(valuePtr(runFirst), valueLen(runFirst))) return false;
      return compareNumber(op, false, left, parsedNumber);
    }
    case K_IN_SET: {
      const set = progBase + <usize>a;
      for (let i = 0; i < n; i++) {
        if (!setHas(set, valuePtr(first + i), valueLen(first + i))) return false;
      }
      return true;
    }
    case K_ANY_SET: {
      const set = progBase + <usize>a;
      for (let i = 0; i < n; i++) {
        if (setHas(set, valuePtr(first + i), valueLen(first + i))) return true;
      }
      return false;
    }
    case K_IN_SLOT: {
      const rn = slotValues(<i32>a);
      const rf = runFirst;
      if (rn == 0) return false;
      for (let i = 0; i < n; i++) {
        if (!runHas(rf, rn, valuePtr(first + i), valueLen(first + i))) return false;
      }
      return true;
    }
    case K_ANY_SLOT: {
      const rn = slotValues(<i32>a);
      const rf = runFirst;
      if (rn == 0) return false;
      for (let i = 0; i < n; i++) {
        if (runHas(rf, rn, valuePtr(first + i), valueLen(first + i))) return true;
      }
      return false;
    }
    case K_PMATCH:
      return pathPrefixMatch(progBase + <usize>a, v, vl);
    case K_MOD_SET:
      return compareModified(op, mod, v, vl, progBase + <usize>a);
    default:
      return false;
  }
}

/** Runs one rule's condition code, starting at code offset `pc0`. */
function runCondition(pc0: u32): bool {
  let pc = codeBase + <usize>pc0;
  let r = false;
  while (true) {
    const ins = load<u8>(pc);
    if (ins == I_CHECK) {
      r = check(pc);
      pc += <usize>CHECK_SIZE;
    } else if (ins == I_JF) {
      pc = r ? pc + 5 : codeBase + <usize>load<u32>(pc, 1);
    } else if (ins == I_JT) {
      pc = r ? codeBase + <usize>load<u32>(pc, 1) : pc + 5;
    } else if (ins == I_NOT) {
      r = !r;
      pc += 1;
    } else if (ins == I_MEMO_GET) {
      const memo = memoCache + (<usize>load<u32>(pc, 1) << 3);
      if (load<u32>(memo) == epoch) {
        r = load<u32>(memo, 4) != 0;
        pc = codeBase + <usize>load<u32>(pc, 5);
      } else {
        pc += 9;
      }
    } else if (ins == I_MEMO_SET) {
      const memo = memoCache + (<usize>load<u32>(pc, 1) << 3);
      store<u32>(memo, epoch);
      store<u32>(memo, r ? 1 : 0, 4);
      pc += 5;
    } else {
      return r; // I_END
    }
  }
}

/** Writes one match record (bytecode.ts) for rule position `rule`, with the values of its output slots. */
function writeMatch(payload: i32, item: i32, rule: i32, rec: usize, flags: u32, timeNs: i64): void {
  const outs = <i32>load<u32>(rec, 8);
  // the fixed part, then each output slot's values
  let at = outReserve(32);
  store<u32>(at, REC_MATCH);
  store<u32>(at, <u32>payload, 4);
  store<u32>(at, <u32>item, 8);
  store<u32>(at, <u32>rule, 12);
  store<u32>(at, flags, 16);
  store<i64>(at, timeNs, 20);
  store<u32>(at, <u32>outs, 28);
  outAdvance(32);
  for (let k = 0; k < outs; k++) {
    const n = slotValues(<i32>load<u32>(rec + 12 + (<usize>k << 2)));
    const first = runFirst;
    at = outReserve(4);
    store<u32>(at, <u32>n);
    outAdvance(4);
    for (let i = 0; i < n; i++) {
      const len = valueLen(first + i);
      const padded = (<usize>len + 3) & ~(<usize>3);
      at = outReserve(4 + padded);
      store<u32>(at, <u32>len);
      memory.copy(at + 4, valuePtr(first + i), <usize>len);
      outAdvance(4 + padded);
    }
  }
}

/** Index of the bytes v[0, vl) in the sorted set at `set`, or the set's count when absent. */
function setIndex(set: usize, v: usize, vl: i32): i32 {
  const count = <i32>load<u32>(set);
  let lo: i32 = 0;
  let hi: i32 = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const item = set + 4 + (<usize>mid << 3);
    const c = bytesCompare(v, vl, progBase + <usize>load<u32>(item), <i32>load<u32>(item, 4));
    if (c == 0) return mid;
    if (c < 0) hi = mid - 1;
    else lo = mid + 1;
  }
  return count;
}

/** Sets `candidates` to the rules the current event may match: the intersection of its guards' masks. */
function selectRules(): void {
  const words = ruleWords;
  for (let w = 0; w < words; w++) {
    const left = ruleCount - (w << 5);
    store<u32>(candidates + (<usize>w << 2), left >= 32 ? 0xffffffff : (<u32>1 << <u32>left) - 1);
  }
  let g = guardTable;
  const maskBytes = <usize>words << 2;
  for (let k = 0; k < guardCount; k++) {
    const set = progBase + <usize>load<u32>(g, 4);
    const count = <i32>load<u32>(set);
    const n = slotValues(<i32>load<u32>(g));
    const i = n == 0 ? count : setIndex(set, valuePtr(runFirst), valueLen(runFirst));
    const mask = g + 8 + <usize>i * maskBytes;
    for (let w = 0; w < words; w++) {
      const at = candidates + (<usize>w << 2);
      store<u32>(at, load<u32>(at) & load<u32>(mask + (<usize>w << 2)));
    }
    g += 8 + <usize>(count + 1) * maskBytes;
  }
}

/**
 * Evaluates the enabled rules, in rule order, against the current event (extract.ts beginEvent done): only
 * those its guards leave (a rule left out cannot match). With RULES_FIRST only the first matching rule is
 * reported (Falco's default). Returns the match count.
 */
export function evaluateRules(payload: i32, item: i32, matching: i32, flags: u32, timeNs: i64): i32 {
  selectRules();
  let matches = 0;
  for (let w = 0; w < ruleWords; w++) {
    let bits = load<u32>(candidates + (<usize>w << 2));
    while (bits != 0) {
      const i = (w << 5) + <i32>ctz(bits);
      bits &= bits - 1;
      const rec = ruleRecord(i);
      if (!runCondition(load<u32>(rec, 4))) continue;
      writeMatch(payload, item, <i32>load<u32>(rec), rec, flags, timeNs);
      matches++;
      if (matching == RULES_FIRST) return matches;
    }
  }
  return matches;
}
