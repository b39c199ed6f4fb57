// Payload -> candidate events (fields.md §9.2 step 2), for the ingestion: an array is classified element by
// element, an object whose `kind` is "EventList" (with an `items` array) gives its items, one whose `kind`
// is "Event" gives itself; anything else makes the whole payload unrecognised.
//
//   const n = ingestPayload(ptr, len);   // >= 0: candidates; INGEST_* < 0: nothing to push
//   for i in [0, n): beginEvent(candidatePtr(i), candidateLen(i))   // the payload must stay in place
//
// A candidate's span is its raw text in the payload; candidateCompactLen(i) is the length of its compact
// re-serialization (what the maxEventSize check measures; the kind value's escapes are not undone).
// A payload ending with `[Truncated...]` is salvaged: a candidate cut by the truncation spans to the end
// of the payload, marker included, so that beginEvent salvages it in turn.
import { NONE, PARSE_OK, PARSE_TOO_DEEP, T_ARRAY, T_OBJECT, T_STRING, compactLength, nodeEnd, nodeNext, nodeStart, nodeType, objectGet, open, parseJson } from './json';
import { stringEquals } from './extract-walk';
import { arenaReset } from './memory';

export const INGEST_PARSE_ERROR: i32 = -1;
export const INGEST_TOO_DEEP: i32 = -2;
export const INGEST_UNRECOGNIZED: i32 = -3;

const MARK = memory.data<u8>([0x5b, 0x54, 0x72, 0x75, 0x6e, 0x63, 0x61, 0x74, 0x65, 0x64, 0x2e, 0x2e, 0x2e, 0x5d]); // [Truncated...]
const MARK_LEN: i32 = 14;
const K_KIND = memory.data<u8>([0x6b, 0x69, 0x6e, 0x64]);
const K_ITEMS = memory.data<u8>([0x69, 0x74, 0x65, 0x6d, 0x73]);
const S_EVENT = memory.data<u8>([0x45, 0x76, 0x65, 0x6e, 0x74]);
const S_EVENT_LIST = memory.data<u8>([0x45, 0x76, 0x65, 0x6e, 0x74, 0x4c, 0x69, 0x73, 0x74]);

// candidates: (ptr, len, compact len) u32 triples, kept across payloads and grown on demand
let candPtr: usize = 0;
let candCap: i32 = 0;
let candTop: i32 = 0;
let payloadEnd: usize = 0;
let cutAt: usize = 0; // where a salvaged payload's JSON text ends (0: not salvaged)

function addCandidate(n: i32): void {
  if (candTop == candCap) {
    const cap = max<i32>(64, candCap << 1);
    candPtr = candPtr ? heap.realloc(candPtr, <usize>cap * 12) : heap.alloc(<usize>cap * 12);
    candCap = cap;
  }
  const at = candPtr + <usize>candTop * 12;
  const start = nodeStart(n);
  const end = cutAt && nodeEnd(n) == cutAt ? payloadEnd : nodeEnd(n);
  store<u32>(at, <u32>start);
  store<u32>(at, <u32>(end - start), 4);
  store<u32>(at, <u32>compactLength(n), 8);
  candTop++;
}

function classify(n: i32): bool {
  const t = nodeType(n);
  if (t == T_ARRAY) {
    const a = open(n);
    const stop = nodeNext(a);
    for (let c = a + 1; c < stop; c = nodeNext(c)) if (!classify(c)) return false;
    return true;
  }
  if (t != T_OBJECT) return false;
  const kind = objectGet(n, K_KIND, 4);
  if (kind == NONE || nodeType(kind) != T_STRING) return false;
  if (stringEquals(kind, S_EVENT, 5)) {
    addCandidate(n);
    return true;
  }
  if (!stringEquals(kind, S_EVENT_LIST, 9)) return false;
  const items = objectGet(n, K_ITEMS, 5);
  if (items == NONE || nodeType(items) != T_ARRAY) return false;
  const a = open(items);
  const stop = nodeNext(a);
  for (let c = a + 1; c < stop; c = nodeNext(c)) addCandidate(c);
  return true;
}

/** Parses and classifies a payload; the number of candidate events, or an INGEST_* error. */
export function ingestPayload(ptr: usize, len: i32): i32 {
  arenaReset();
  candTop = 0;
  payloadEnd = ptr + <usize>len;
  const salvage = len >= MARK_LEN && memory.compare(payloadEnd - MARK_LEN, MARK, MARK_LEN) == 0;
  cutAt = salvage ? payloadEnd - MARK_LEN : 0;
  const r = parseJson(ptr, salvage ? len - MARK_LEN : len, salvage);
  if (r != PARSE_OK) return r == PARSE_TOO_DEEP ? INGEST_TOO_DEEP : INGEST_PARSE_ERROR;
  if (!classify(0)) {
    candTop = 0;
    return INGEST_UNRECOGNIZED;
  }
  return candTop;
}

export function candidatePtr(i: i32): usize {
  return <usize>load<u32>(candPtr + <usize>i * 12);
}
export function candidateLen(i: i32): i32 {
  return <i32>load<u32>(candPtr + <usize>i * 12, 4);
}
export function candidateCompactLen(i: i32): i32 {
  return <i32>load<u32>(candPtr + <usize>i * 12, 8);
}
