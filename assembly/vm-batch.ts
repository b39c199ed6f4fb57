// evaluateBatch: one call per batch of raw payloads (payload k = data[starts[k], ends[k])), no
// per-event call from JS. In MODE_INGEST each payload is classified as the k8saudit source does
// (fields.md 9.2); this is the only place kawa does it:
//   object whose kind is the string "Event"        one event: the object itself
//   object whose kind is "EventList", items array  one event per item (items' own kind is not checked)
//   array                                          each element classified in turn; if any element is not
//                                                  recognised the whole payload is rejected
//   anything else                                  rejected as unrecognized; invalid JSON as parse
// Each event is then checked on its own, in the plugin's order: a valid stageTimestamp (else no_timestamp),
// then the length of its compact re-serialization, which is what the plugin stores and measures: longer
// than maxEventSize is too_large, exactly maxEventSize is kept. So a pretty-printed event is measured
// without its whitespace, and an escaped kind as the plugin re-escapes it ("Event").
// A payload CloudWatch cut ("[Truncated...]") is salvaged (extract.ts beginEvent); the event the cut ended
// keeps the marker, so that it is salvaged again when it is parsed on its own. Truncation is reported here,
// where the bytes are: a rejection of an event or payload that was cut carries FLAG_TRUNCATED, a match of
// a salvaged event too, and lastBatchTruncated() counts the payloads that were cut.
// A salvaged event whose timestamps were cut off gets a substitute time, and its match FLAG_TIME_SUBSTITUTED:
// when its payload arrived (the source's arrival time, e.g. its CloudWatch timestamp), else the time of the
// previous event this engine evaluated (its stageTimestamp, or requestReceivedTimestamp), so that a replay of
// a file gives the same times; else the time of the evaluation.
// In MODE_AS_IS every payload is evaluated as one event, whatever it holds (kawa eval).
import {
  beginEvent, eventCutAt, eventHasAuditId, eventHasTimestamp, eventTimeSubstituted, eventTimestampNs, eventTruncated, setFallbackTimeNs,
  EVENT_PARSE_ERROR, EVENT_TOO_DEEP,
} from './extract';
import {
  documentCompactLength, nodeType, nodeNext, nodeStart, nodeEnd, nodeLen, objectGet, open, NONE, T_ARRAY, T_OBJECT, T_STRING,
} from './json';
import { stringEquals } from './extract-walk';
import { nextEvent } from './program';
import { timestampNs } from './timestamp';
import { exportPrefixLength } from './export-line';
import { evaluateRules } from './vm';
import { outAdvance, outReserve, outReset } from './vm-output';
import {
  FLAG_LIST_ITEM, FLAG_TIME_SUBSTITUTED, FLAG_TRUNCATED, MODE_AS_IS, REC_REJECT, REJECT_NO_TIMESTAMP, REJECT_PARSE, REJECT_TOO_LARGE,
  REJECT_UNRECOGNIZED,
} from './vm-bytecode';

const K_KIND = memory.data<u8>([0x6b, 0x69, 0x6e, 0x64]); // kind
const K_ITEMS = memory.data<u8>([0x69, 0x74, 0x65, 0x6d, 0x73]); // items
const S_EVENT = memory.data<u8>([0x45, 0x76, 0x65, 0x6e, 0x74]); // Event
const S_EVENT_LIST = memory.data<u8>([0x45, 0x76, 0x65, 0x6e, 0x74, 0x4c, 0x69, 0x73, 0x74]); // EventList

let batchEvents: i32 = 0;
let batchTruncated: i32 = 0;
let batchWithoutAuditId: i32 = 0;
// Unix ns, 0 = unknown: when the current payload arrived, when this batch is evaluated, and the own time of
// the last event evaluated (kept from batch to batch: the previous event may be the last batch's last one)
let arrivalNs: i64 = 0;
let batchNowNs: i64 = 0;
let previousNs: i64 = 0;

/** Payloads of the last evaluateBatch that CloudWatch cut (they end with the truncation marker). */
export function lastBatchTruncated(): i32 {
  return batchTruncated;
}

/** Events of the last evaluateBatch that had no auditID: evaluated, but every ka.* field was empty. */
export function lastBatchWithoutAuditId(): i32 {
  return batchWithoutAuditId;
}

/** A rejection record; `cutAt` is where the rejected text was cut (eventCutAt), 0 when it was not. */
function reject(payload: i32, item: i32, reason: u32, cutAt: usize, listItem: bool = false): void {
  const at = outReserve(20);
  store<u32>(at, REC_REJECT);
  store<u32>(at, <u32>payload, 4);
  store<u32>(at, <u32>item, 8);
  store<u32>(at, reason, 12);
  store<u32>(at, (cutAt != 0 ? FLAG_TRUNCATED : 0) | (listItem ? FLAG_LIST_ITEM : 0), 16);
  outAdvance(20);
}

// The events found in one payload: (start, end, kind surplus) u32 triples, grown as needed and reused. The
// kind surplus is what the compact text of the event counts beyond the plugin's: its kind value is stored
// re-escaped ("Event"), so an escaped spelling of it is that many bytes longer.
let spans: usize = 0;
let spansCap: i32 = 0;
let spanCount: i32 = 0;
// the payload being classified: its end, and where its JSON text ends when CloudWatch cut it (else 0)
let payloadEnd: usize = 0;
let payloadCutAt: usize = 0;

function addSpan(n: i32, kindSurplus: i32): void {
  if (spanCount == spansCap) {
    const cap = max<i32>(64, spansCap << 1);
    spans = spans ? heap.realloc(spans, <usize>cap * 12) : heap.alloc(<usize>cap * 12);
    spansCap = cap;
  }
  const at = spans + <usize>spanCount * 12;
  const end = nodeEnd(n);
  store<u32>(at, <u32>nodeStart(n));
  // the event the cut ended (a salvaged container closes where the text ends) keeps the marker
  store<u32>(at, <u32>(payloadCutAt != 0 && end == payloadCutAt ? payloadEnd : end), 4);
  store<u32>(at, <u32>kindSurplus, 8);
  spanCount++;
}

@inline function spanStart(i: i32): usize {
  return <usize>load<u32>(spans + <usize>i * 12);
}
@inline function spanEnd(i: i32): usize {
  return <usize>load<u32>(spans + <usize>i * 12, 4);
}
@inline function spanKindSurplus(i: i32): i32 {
  return <i32>load<u32>(spans + <usize>i * 12, 8);
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
  if (kind == NONE || nodeType(kind) != T_STRING) return false;
  if (stringEquals(kind, S_EVENT, 5)) {
    addSpan(n, nodeLen(kind) - 5);
    return true;
  }
  if (!stringEquals(kind, S_EVENT_LIST, 9)) return false;
  const items = objectGet(n, K_ITEMS, 5);
  if (items == NONE || nodeType(items) != T_ARRAY) return false;
  const a = open(items);
  const stop = nodeNext(a);
  for (let c = a + 1; c < stop; c = nodeNext(c)) addSpan(c, 0);
  return true;
}

/** Sets the time the event begun last gets if its timestamps were cut off (see the top). */
function prepareFallbackTime(): void {
  setFallbackTimeNs(arrivalNs != 0 ? arrivalNs : previousNs != 0 ? previousNs : batchNowNs);
}

/** Runs the rules on the event begun last (its timestamp checked when ingesting). */
function evaluateCurrent(payload: i32, item: i32, matching: i32): void {
  nextEvent();
  batchEvents++;
  if (!eventHasAuditId()) batchWithoutAuditId++;
  const substituted = eventTimeSubstituted();
  const flags = (eventTruncated() ? FLAG_TRUNCATED : 0) | (substituted ? FLAG_TIME_SUBSTITUTED : 0);
  evaluateRules(payload, item, matching, flags, eventTimestampNs());
  if (!substituted && eventHasTimestamp()) previousNs = eventTimestampNs();
}

/** Checks and evaluates the event begun last (beginEvent). */
function evaluateEvent(payload: i32, item: i32, listItem: bool, kindSurplus: i32, maxEventSize: i32, matching: i32): void {
  prepareFallbackTime();
  if (!eventHasTimestamp()) {
    reject(payload, item, REJECT_NO_TIMESTAMP, eventCutAt(), listItem);
    return;
  }
  if (documentCompactLength() - kindSurplus > maxEventSize) {
    reject(payload, item, REJECT_TOO_LARGE, eventCutAt(), listItem);
    return;
  }
  evaluateCurrent(payload, item, matching);
}

/** Parses payload `payload` at [ptr, ptr+len) (beginEvent); false when it is rejected as unparsable. */
function beginPayload(payload: i32, ptr: usize, len: i32): bool {
  const status = beginEvent(ptr, len);
  if (eventCutAt() != 0) batchTruncated++;
  if (status == EVENT_PARSE_ERROR || status == EVENT_TOO_DEEP) {
    reject(payload, 0, REJECT_PARSE, eventCutAt());
    return false;
  }
  return true;
}

function ingestPayload(payload: i32, ptr: usize, len: i32, maxEventSize: i32, matching: i32): void {
  if (!beginPayload(payload, ptr, len)) return;
  spanCount = 0;
  payloadEnd = ptr + <usize>len;
  payloadCutAt = eventCutAt();
  if (!classify(0)) {
    reject(payload, 0, REJECT_UNRECOGNIZED, payloadCutAt);
    return;
  }
  // a single Event is the payload itself, already parsed (and salvaged when cut)
  if (spanCount == 1 && nodeType(0) == T_OBJECT && spanStart(0) == nodeStart(0)) {
    evaluateEvent(payload, 0, false, spanKindSurplus(0), maxEventSize, matching);
    return;
  }
  for (let i = 0; i < spanCount; i++) {
    const s = beginEvent(spanStart(i), <i32>(spanEnd(i) - spanStart(i)));
    if (s == EVENT_PARSE_ERROR || s == EVENT_TOO_DEEP) reject(payload, i, REJECT_PARSE, eventCutAt(), true);
    else evaluateEvent(payload, i, true, spanKindSurplus(i), maxEventSize, matching);
  }
}

/**
 * Evaluates `count` payloads: payload p is data[starts[p], ends[p]) (u32 each). Payloads packed back to back
 * pass their count + 1 offsets as both, ends one entry on (ends = starts + 4); a reader that framed lines
 * in place passes each line's own start and end, so the bytes between lines need not move. `arrivals` is 0,
 * or the address of count i64: when each payload arrived, in Unix ns (0 = unknown); `nowNs` is the time of
 * the evaluation. Writes result records to the output region (outputPtr/outTop) and returns the number of
 * events evaluated.
 */
export function evaluateBatch(
  data: usize, starts: usize, ends: usize, arrivals: usize, count: i32, mode: i32, matching: i32, maxEventSize: i32, nowNs: i64,
): i32 {
  outReset();
  batchEvents = 0;
  batchTruncated = 0;
  batchWithoutAuditId = 0;
  batchNowNs = nowNs;
  for (let p = 0; p < count; p++) {
    const start = load<u32>(starts + (<usize>p << 2));
    const end = load<u32>(ends + (<usize>p << 2));
    arrivalNs = arrivals ? load<i64>(arrivals + (<usize>p << 3)) : 0;
    // a line of a CloudWatch Logs export: its timestamp is the payload's arrival, as a CloudWatch event's is
    const skip = exportPrefixLength(data + <usize>start, <i32>(end - start));
    if (skip != 0 && arrivalNs == 0) arrivalNs = timestampNs();
    const ptr = data + <usize>start + <usize>skip;
    const len = <i32>(end - start) - skip;
    if (mode == MODE_AS_IS) {
      if (!beginPayload(p, ptr, len)) continue;
      prepareFallbackTime();
      evaluateCurrent(p, 0, matching);
    } else {
      ingestPayload(p, ptr, len, maxEventSize, matching);
    }
  }
  return batchEvents;
}
