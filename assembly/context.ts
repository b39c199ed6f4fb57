// What the source knows about a batch's events but the events do not say: the cluster, account and region
// they came from (kawa.cluster, kawa.account, kawa.region). The engine writes them into a fixed area before
// it evaluates a batch from another cluster (src/engine/context.ts, the layout's other side):
//   [u32 count] then count entries of [u32 key offset, u32 key length, u32 value offset, u32 value length],
//   offsets relative to the area, then the bytes.
// A fixed area keeps this off the per-batch allocator and bounds it: the engine refuses anything larger.

const CONTEXT_BYTES: i32 = 4096;
const area: usize = memory.data(CONTEXT_BYTES);

/** Where the engine writes the context. */
export function contextArea(): usize {
  return area;
}

/** How many bytes the area holds. */
export function contextBytes(): i32 {
  return CONTEXT_BYTES;
}

/** The context value whose key is `key` (bytes), as a pointer, or 0 when there is none; its length in `foundLen`. */
export let foundLen: i32 = 0;
export function contextValue(key: usize, keyLen: i32): usize {
  const n = load<u32>(area);
  for (let i: u32 = 0; i < n; i++) {
    const e = area + 4 + <usize>i * 16;
    if (<i32>load<u32>(e, 4) != keyLen) continue;
    if (memory.compare(area + <usize>load<u32>(e), key, keyLen) != 0) continue;
    foundLen = <i32>load<u32>(e, 12);
    return area + <usize>load<u32>(e, 8);
  }
  return 0;
}
