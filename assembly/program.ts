// The loaded program (layout: src/compile/bytecode.ts) and its per-event caches. loadProgram copies the
// program out of the input region into memory of its own, checks the header and sizes the caches; it runs
// once per rules load, so it is the only place here that allocates.
//
// Per-event caches are validated by an epoch counter instead of being cleared: an operand slot or memo
// entry holds a value for the current event only when its epoch equals `epoch`, and nextEvent() bumps it.
import { MAGIC, VERSION, HEADER_WORDS } from './vm-bytecode';

/** loadProgram results. */
export const PROGRAM_OK: i32 = 0;
export const PROGRAM_BAD_MAGIC: i32 = 1;
export const PROGRAM_BAD_VERSION: i32 = 2;
export const PROGRAM_TRUNCATED: i32 = 3;

export let progBase: usize = 0;
export let slotCount: i32 = 0;
export let memoCount: i32 = 0;
export let ruleCount: i32 = 0;
export let slotTable: usize = 0;
export let codeBase: usize = 0;
/** u32 per rule: the address of its record (rule records vary in length). */
export let ruleRecords: usize = 0;

/** Rule guards (bytecode.ts): their count, the address of the first record, and mask words per guard value. */
export let guardCount: i32 = 0;
export let guardTable: usize = 0;
export let ruleWords: i32 = 1;
/** The rules the current event may match: one bit per rule position (ruleWords u32 words). */
export let candidates: usize = 0;

/** Per slot: u32 epoch, i32 first value index, i32 value count (12 bytes). */
export let slotCache: usize = 0;
/** Per memo: u32 epoch, u32 result. */
export let memoCache: usize = 0;
export let epoch: u32 = 0;

export function loadProgram(ptr: usize, len: i32): i32 {
  if (len < HEADER_WORDS * 4) return PROGRAM_TRUNCATED;
  if (load<u32>(ptr) != MAGIC) return PROGRAM_BAD_MAGIC;
  if (load<u32>(ptr, 4) != VERSION) return PROGRAM_BAD_VERSION;
  if (load<u32>(ptr, 36) != <u32>len) return PROGRAM_TRUNCATED;
  const base = heap.alloc(<usize>len);
  memory.copy(base, ptr, <usize>len);
  progBase = base;
  slotCount = <i32>load<u32>(base, 8);
  memoCount = <i32>load<u32>(base, 12);
  ruleCount = <i32>load<u32>(base, 16);
  slotTable = base + <usize>load<u32>(base, 20);
  codeBase = base + <usize>load<u32>(base, 28);
  let rule = base + <usize>load<u32>(base, 32);
  ruleRecords = heap.alloc(<usize>max(ruleCount, 1) << 2);
  for (let i = 0; i < ruleCount; i++) {
    store<u32>(ruleRecords + (<usize>i << 2), <u32>rule);
    rule += 12 + (<usize>load<u32>(rule, 8) << 2);
  }
  guardCount = <i32>load<u32>(base, 40);
  guardTable = base + <usize>load<u32>(base, 44);
  ruleWords = max(1, (ruleCount + 31) >> 5);
  candidates = heap.alloc(<usize>ruleWords << 2);
  slotCache = heap.alloc(<usize>max(slotCount, 1) * 12);
  memory.fill(slotCache, 0, <usize>max(slotCount, 1) * 12);
  memoCache = heap.alloc(<usize>max(memoCount, 1) << 3);
  memory.fill(memoCache, 0, <usize>max(memoCount, 1) << 3);
  epoch = 1;
  return PROGRAM_OK;
}

/** Invalidates every cached slot and memo: the next event starts. */
export function nextEvent(): void {
  epoch++;
  if (epoch == 0) {
    // wrapped after 2^32 events: entries from long ago could look current
    memory.fill(slotCache, 0, <usize>max(slotCount, 1) * 12);
    memory.fill(memoCache, 0, <usize>max(memoCount, 1) << 3);
    epoch = 1;
  }
}

@inline export function ruleRecord(i: i32): usize {
  return <usize>load<u32>(ruleRecords + (<usize>i << 2));
}
