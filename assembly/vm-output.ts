// The output region: result records of one evaluateBatch call (layout: src/compile/bytecode.ts), read by
// JS after the call. It grows (by reallocation) to the largest batch result seen and is reused.
let outPtr: usize = 0;
let outCap: usize = 0;
let outLen: usize = 0;

export function outReset(): void {
  outLen = 0;
}

/** Room for n more bytes; returns where to write them (valid until the next outReserve). */
export function outReserve(n: usize): usize {
  if (outLen + n > outCap) {
    let cap = max<usize>(outCap << 1, 1 << 16);
    while (cap < outLen + n) cap <<= 1;
    outPtr = outPtr ? heap.realloc(outPtr, cap) : heap.alloc(cap);
    outCap = cap;
  }
  return outPtr + outLen;
}

@inline export function outAdvance(n: usize): void {
  outLen += n;
}

/** Where the records of the last evaluateBatch start. */
export function outputPtr(): usize {
  return outPtr;
}

export function outTop(): usize {
  return outLen;
}
