// evaluateBatch: one call per batch of raw payloads (payload k = data[offsets[k], offsets[k+1])), no
// per-event call from JS. In MODE_INGEST each payload is classified as the k8saudit source does
// (fields.md 9.2):
//   object with kind "Event"                   one event: the payload itself
//   object with kind "EventList", items array  one event per item (items' own kind is not checked)
//   array                                      each element classified in turn; if any element is not
//                                              recognised the whole payload is rejected
//   anything else                              rejected as unrecognized; invalid JSON as parse
// and each event without a valid stageTimestamp, or longer than maxEventSize, is rejected on its own.
// In MODE_AS_IS every payload is evaluated as one event, whatever it holds (kawa eval).
import {
  beginEvent, eventHasTimestamp, eventTimestampNs, eventTruncated, EVENT_PARSE_ERROR, EVENT_TOO_DEEP,
} from './extract';
import { nodeType, nodeNext, nodeStart, nodeEnd, objectGet, open, NONE, T_ARRAY, T_OBJECT } from './json';
import { stringEquals } from './extract-walk';
import { nextEvent } from './program';
import { evaluateRules } from './vm';
import { outAdvance, outReserve, outReset } from './vm-output';
import {
  FLAG_TRUNCATED, MODE_AS_IS, REC_REJECT, REJECT_NO_TIMESTAMP, REJECT_PARSE, REJECT_TOO_LARGE, REJECT_UNRECOGNIZED,
} from './vm-bytecode';

const K_KIND = memory.data<u8>([0x6b, 0x69, 0x6e, 0x64]); // kind
const K_ITEMS = memory.data<u8>([0x69, 0x74, 0x65, 0x6d, 0x73]); // items
const S_EVENT = memory.data<u8>([0x45, 0x76, 0x65, 0x6e, 0x74]); // Event
const S_EVENT_LIST = memory.data<u8>([0x45, 0x76, 0x65, 0x6e, 0x74, 0x4c, 0x69, 0x73, 0x74]); // EventList

let batchEvents: i32 = 0;

/** Number of events evaluated by the last evaluateBatch. */
export function lastBatchEvents(): i32 {
  return batchEvents;
}

function reject(payload: i32, item: i32, reason: u32): void {
  const at = outReserve(16);
  store<u32>(at, REC_REJECT);
  store<u32>(at, <u32>payload, 4);
  store<u32>(at, <u32>item, 8);
  store<u32>(at, reason, 12);
  outAdvance(16);
}

// Spans of the events found in one payload: (start, end) address pairs, grown as needed and reused.
let spans: usize = 0;
let spansCap: i32 = 0;
let spanCount: i32 = 0;

function addSpan(start: usize, end: usize): void {
  if (spanCount == spansCap) {
    const cap = max<i32>(64, spansCap << 1);
    spans = spans ? heap.realloc(spans, <usize>cap << 3) : heap.alloc(<usize>cap << 3);
    spansCap = cap;
  }
  store<u32>(spans + (<usize>spanCount << 3), <u32>start);
  store<u32>(spans + (<usize>spanCount << 3), <u32>end, 4);
  spanCount++;
}

/** Adds the events of value node n; false when n is not an audit event, an EventList or an array of them. */
function classify(n: i32): bool {
  const type = nodeType(n);
  if (type == T_ARRAY) {
    const a = open(n);
    const stop = nodeNext(a);
    for (let c = a + 1; c < stop; c = nodeNext(c)) {
      if (!classify(c)) return false;
    }
    return true;
  }
  if (type != T_OBJECT) return false;
  const kind = objectGet(n, K_KIND, 4);
  if (kind == NONE) return false;
  if (stringEquals(kind, S_EVENT, 5)) {
    addSpan(nodeStart(n), nodeEnd(n));
    return true;
  }
  if (!stringEquals(kind, S_EVENT_LIST, 9)) return false;
  const items = objectGet(n, K_ITEMS, 5);
  if (items == NONE || nodeType(items) != T_ARRAY) return false;
  const a = open(items);
  const stop = nodeNext(a);
  for (let c = a + 1; c < stop; c = nodeNext(c)) addSpan(nodeStart(c), nodeEnd(c));
  return true;
}

/** Evaluates the event begun last (beginEvent), after its timestamp check. */
function evaluateEvent(payload: i32, item: i32, len: i32, maxEventSize: i32, matching: i32): void {
  if (len > maxEventSize) {
    reject(payload, item, REJECT_TOO_LARGE);
    return;
  }
  if (!eventHasTimestamp()) {
    reject(payload, item, REJECT_NO_TIMESTAMP);
    return;
  }
  nextEvent();
  batchEvents++;
  evaluateRules(payload, item, matching, eventTruncated() ? FLAG_TRUNCATED : 0, eventTimestampNs());
}

function ingestPayload(payload: i32, ptr: usize, len: i32, maxEventSize: i32, matching: i32): void {
  const status = beginEvent(ptr, len);
  if (status == EVENT_PARSE_ERROR || status == EVENT_TOO_DEEP) {
    reject(payload, 0, REJECT_PARSE);
    return;
  }
  spanCount = 0;
  if (!classify(0)) {
    reject(payload, 0, REJECT_UNRECOGNIZED);
    return;
  }
  // a single Event is the payload itself, already parsed (and salvaged when truncated)
  if (spanCount == 1 && nodeType(0) == T_OBJECT && <usize>load<u32>(spans) == nodeStart(0)) {
    evaluateEvent(payload, 0, len, maxEventSize, matching);
    return;
  }
  for (let i = 0; i < spanCount; i++) {
    const start = <usize>load<u32>(spans + (<usize>i << 3));
    const itemLen = <i32>(load<u32>(spans + (<usize>i << 3), 4) - <u32>start);
    const s = beginEvent(start, itemLen);
    if (s == EVENT_PARSE_ERROR || s == EVENT_TOO_DEEP) reject(payload, i, REJECT_PARSE);
    else evaluateEvent(payload, i, itemLen, maxEventSize, matching);
  }
}

/**
 * Evaluates `count` payloads; offsets (count + 1 u32) are relative to data. Writes result records to the
 * output region (outputPtr/outTop) and returns the number of events evaluated.
 */
export function evaluateBatch(data: usize, offsets: usize, count: i32, mode: i32, matching: i32, maxEventSize: i32): i32 {
  outReset();
  batchEvents = 0;
  for (let p = 0; p < count; p++) {
    const start = load<u32>(offsets + (<usize>p << 2));
    const end = load<u32>(offsets + (<usize>(p + 1) << 2));
    const ptr = data + <usize>start;
    const len = <i32>(end - start);
    if (mode == MODE_AS_IS) {
      const status = beginEvent(ptr, len);
      if (status == EVENT_PARSE_ERROR || status == EVENT_TOO_DEEP) {
        reject(p, 0, REJECT_PARSE);
        continue;
      }
      nextEvent();
      batchEvents++;
      evaluateRules(p, 0, matching, eventTruncated() ? FLAG_TRUNCATED : 0, eventTimestampNs());
    } else {
      ingestPayload(p, ptr, len, maxEventSize, matching);
    }
  }
  return batchEvents;
}
