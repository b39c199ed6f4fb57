// Linear-memory regions shared by every part of the WebAssembly engine. Nothing here is managed: the hot
// path works on raw bytes, and the stub runtime's heap.alloc is only used to carve out regions that live as
// long as the instance and grow (by reallocation) when an input is larger than any before.
//
//   input   bytes written by JS: a batch of payloads with their offsets and arrival times (Engine.evaluate),
//           a document and its field arguments (FieldExtractor), or a program; see inputReserve()
//   arena   per-event scratch for values that are not slices of the event (unescaped strings, transformer
//           results, compact JSON); reset before each event
//   values  the value stack: (ptr, len) pairs of extracted values, reset before each event; an extraction
//           result is a run [first, first + count) of it

// ---- input ---------------------------------------------------------------------------------------------
let inputPtr: usize = 0;
let inputCap: usize = 0;

/** Makes room for `size` input bytes and returns where JS must write them (valid until the next call). */
export function inputReserve(size: usize): usize {
  if (size > inputCap) {
    let cap = max<usize>(size, inputCap << 1);
    cap = max<usize>(cap, 1 << 16);
    inputPtr = inputPtr ? heap.realloc(inputPtr, cap) : heap.alloc(cap);
    inputCap = cap;
  }
  return inputPtr;
}

// ---- arena ---------------------------------------------------------------------------------------------
// A list of chunks reused from event to event. An allocation never moves: when the current chunk is full
// the next one is used (allocated the first time, or replaced when too small), so pointers handed out stay
// valid until arenaReset().
const CHUNK_MIN: usize = 1 << 16;
const MAX_CHUNKS: i32 = 64;
const chunkBase = new StaticArray<usize>(MAX_CHUNKS);
const chunkCap = new StaticArray<usize>(MAX_CHUNKS);
let chunkCount: i32 = 0;
let chunk: i32 = -1;
let chunkTop: usize = 0;

export function arenaReset(): void {
  chunk = -1;
  chunkTop = 0;
}

/** `n` bytes of per-event scratch, 8-byte aligned; 0 when the arena is exhausted (64 chunks). */
export function arenaAlloc(n: usize): usize {
  if (chunk >= 0) {
    const at = (chunkTop + 7) & ~(<usize>7);
    if (at + n <= unchecked(chunkCap[chunk])) {
      chunkTop = at + n;
      return unchecked(chunkBase[chunk]) + at;
    }
  }
  if (chunk + 1 >= MAX_CHUNKS) return 0;
  chunk++;
  if (chunk == chunkCount) {
    const cap = max<usize>(CHUNK_MIN, n);
    unchecked((chunkBase[chunk] = heap.alloc(cap)));
    unchecked((chunkCap[chunk] = cap));
    chunkCount++;
  } else if (unchecked(chunkCap[chunk]) < n) {
    heap.free(unchecked(chunkBase[chunk]));
    unchecked((chunkBase[chunk] = heap.alloc(n)));
    unchecked((chunkCap[chunk] = n));
  }
  chunkTop = n;
  return unchecked(chunkBase[chunk]);
}

// ---- value stack ---------------------------------------------------------------------------------------
let valuesPtr: usize = 0; // pairs of u32 (ptr, len)
let valuesCap: i32 = 0;
let valuesTop: i32 = 0;

export function valuesReset(): void {
  valuesTop = 0;
}

/** Index the next pushed value will get. */
@inline export function valuesMark(): i32 {
  return valuesTop;
}

export function pushValue(ptr: usize, len: i32): void {
  if (valuesTop == valuesCap) {
    const cap = max<i32>(1024, valuesCap << 1);
    valuesPtr = valuesPtr ? heap.realloc(valuesPtr, <usize>cap << 3) : heap.alloc(<usize>cap << 3);
    valuesCap = cap;
  }
  const at = valuesPtr + (<usize>valuesTop << 3);
  store<u32>(at, <u32>ptr);
  store<u32>(at, <u32>len, 4);
  valuesTop++;
}

@inline export function valuePtr(i: i32): usize {
  return <usize>load<u32>(valuesPtr + (<usize>i << 3));
}

@inline export function valueLen(i: i32): i32 {
  return <i32>load<u32>(valuesPtr + (<usize>i << 3), 4);
}

/** Shortens value i to its first `len` bytes. */
@inline export function setValueLen(i: i32, len: i32): void {
  store<u32>(valuesPtr + (<usize>i << 3), <u32>len, 4);
}

/** Drops values pushed after `mark` (an extraction that turned out to have no value). */
@inline export function valuesRewind(mark: i32): void {
  valuesTop = mark;
}
