// Check operators on one extracted value (spec 3.2, 3.5). The VM (assembly/vm.ts) calls compareString,
// compareModified and compareNumber for a value of the left operand and the right operand's constant (or
// another field's value); it handles missing values, `exists` and the list-field quantifiers (`in` = every
// value, `intersects` = some value) itself. compareValue bundles all of them behind one entry point so that
// the operator tests can drive every operator directly; only the test build exports it (test-exports.ts).
//
// Right operand encodings read here (all integers little-endian; src/compile/compiler.ts writes them into
// the program's constant pool, src/regex/regex.ts compiles regex programs). The VM evaluates `in` and
// `intersects` against its own sorted sets; the value list below is what compareString/compareValue take.
//   string operators          the bytes of the string (a glob pattern for GLOB/IGLOB)
//   REGEX                     a compiled regex program (assembly/regex.ts)
//   PMATCH                    a prefix table (assembly/pmatch.ts)
//   IN/INTERSECTS on strings, and any string operator with a modifier: a value list
//       u32 count, then count × (u32 len, len bytes); for REGEX with a modifier each item is a program
//   numbers (INT64/UINT64)    8 bytes; IN/INTERSECTS: u32 count, then count × 8 bytes
import { Op, Mod, ValueType } from './opcodes';
import { bytesEqual, bytesCompare, bytesContain, bytesContainFolded, bytesStartWith, bytesEndWith } from './bytes';
import { globMatch } from './glob';
import { regexMatch } from './regex';
import { pathPrefixMatch } from './pmatch';

/** One string check `v op r` without modifier; r is the operand as encoded above. */
export function compareString(op: i32, v: usize, vl: i32, r: usize, rl: i32): bool {
  switch (op) {
    case Op.EQ: return bytesEqual(v, vl, r, rl);
    case Op.NE: return !bytesEqual(v, vl, r, rl);
    case Op.LT: return bytesCompare(v, vl, r, rl) < 0;
    case Op.LE: return bytesCompare(v, vl, r, rl) <= 0;
    case Op.GT: return bytesCompare(v, vl, r, rl) > 0;
    case Op.GE: return bytesCompare(v, vl, r, rl) >= 0;
    case Op.CONTAINS: return bytesContain(v, vl, r, rl);
    case Op.ICONTAINS: return bytesContainFolded(v, vl, r, rl);
    case Op.STARTSWITH: return bytesStartWith(v, vl, r, rl);
    case Op.ENDSWITH: return bytesEndWith(v, vl, r, rl);
    case Op.GLOB: return globMatch(r, rl, v, vl, false);
    case Op.IGLOB: return globMatch(r, rl, v, vl, true);
    case Op.REGEX: return regexMatch(r, v, vl);
    case Op.IN:
    case Op.INTERSECTS: return valueListHas(r, v, vl);
    case Op.PMATCH: return pathPrefixMatch(r, v, vl);
    case Op.EXISTS: return true;
    default: return false;
  }
}

/** Whether the value list at `list` holds exactly the bytes v[0, vl). */
export function valueListHas(list: usize, v: usize, vl: i32): bool {
  const count = load<u32>(list);
  let item = list + 4;
  for (let k: u32 = 0; k < count; k++) {
    const len = <i32>load<u32>(item);
    if (len == vl && memory.compare(item + 4, v, <usize>vl) == 0) return true;
    item += 4 + <usize>len;
  }
  return false;
}

/**
 * `v op mod (r1, r2, …)`: counts the items r of the value list with `v op r`. oneof: exactly one;
 * anyof: at least one; allof: all. An empty list is always false.
 */
export function compareModified(op: i32, mod: i32, v: usize, vl: i32, list: usize): bool {
  const count = load<u32>(list);
  if (count == 0) return false;
  let hits: u32 = 0;
  let item = list + 4;
  for (let k: u32 = 0; k < count; k++) {
    const len = <i32>load<u32>(item);
    if (compareString(op, v, vl, item + 4, len)) {
      hits++;
      if (mod == Mod.ANYOF) return true;
      if (mod == Mod.ONEOF && hits > 1) return false;
    } else if (mod == Mod.ALLOF) {
      return false;
    }
    item += 4 + <usize>len;
  }
  return mod == Mod.ONEOF ? hits == 1 : mod == Mod.ALLOF;
}

/** A numeric check; signed is true for INT64 values, false for UINT64. */
export function compareNumber(op: i32, signed: bool, v: u64, r: u64): bool {
  switch (op) {
    case Op.EQ: return v == r;
    case Op.NE: return v != r;
    case Op.LT: return signed ? <i64>v < <i64>r : v < r;
    case Op.LE: return signed ? <i64>v <= <i64>r : v <= r;
    case Op.GT: return signed ? <i64>v > <i64>r : v > r;
    case Op.GE: return signed ? <i64>v >= <i64>r : v >= r;
    case Op.EXISTS: return true;
    default: return false;
  }
}

/** Whether the number list at `list` (u32 count, count × u64) holds v. */
export function numberListHas(list: usize, v: u64): bool {
  const count = load<u32>(list);
  for (let k: u32 = 0; k < count; k++) {
    if (load<u64>(list + 4 + (<usize>k << 3)) == v) return true;
  }
  return false;
}

/**
 * The check `v op [mod] r` on one value of type `type` (ValueType), with r encoded as described at the top.
 * Numbers are 8-byte little-endian values at v and r. Returns 1 when true, 0 when false.
 */
export function compareValue(op: i32, mod: i32, type: i32, v: usize, vl: i32, r: usize, rl: i32): i32 {
  if (type == ValueType.STRING) {
    if (mod != Mod.NONE) return compareModified(op, mod, v, vl, r) ? 1 : 0;
    return compareString(op, v, vl, r, rl) ? 1 : 0;
  }
  const n = load<u64>(v);
  if (op == Op.IN || op == Op.INTERSECTS) return numberListHas(r, n) ? 1 : 0;
  return compareNumber(op, type == ValueType.INT64, n, load<u64>(r)) ? 1 : 0;
}
