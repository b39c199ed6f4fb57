// Field extraction for one event at a time (fields.md §4-8 and the project decisions at its top).
//
//   const status = beginEvent(ptr, len);        // EVENT_* below; resets the arena and the value stack
//   const mark = valuesMark();
//   const n = extractField(fieldId, argPtr, argLen, argIndex);
//   // n > 0: values valuePtr(i), valueLen(i) for i in [mark, mark + n); n == 0: no value
//
// "No value" covers upstream's not-available, empty list, extraction error and panic alike: rules cannot
// tell them apart (§1). Recipes come from the registry through assembly/generated/fields.ts.
import {
  FIELD_ROWS, FIELD_ROW_WORDS, FIELD_COUNT, KEY_BYTES, STEPS, PLUGIN_K8SAUDIT, PLUGIN_JSON,
  OP_SCALAR, OP_LIST, OP_LIST_INDEX, OP_WALK_SKIP, OP_WALK_STRICT, OP_REPOSITORY, OP_FIRST, OP_FIRST_REPOSITORY,
  OP_COMMAND, OP_HOST_PORT, OP_EFF, OP_CAPABILITIES, OP_VOLUME_TYPE, OP_HOSTPATH_MATCH, OP_ANY_TRUE, OP_RULE_ATTR,
  OP_SUBJECTS, OP_SUBJECTS_NS, OP_URI_PARAM, OP_TARGET_POD, OP_CONSTANT, OP_JSON_VALUE, OP_JSON_OBJ,
  OP_JSON_RAWTIME, OP_TRUNCATED, OP_CONTEXT, OP_STATIC, OP_DUPLICATE_KEYS, OP_NUL_VALUE, OP_IP_LISTED,
} from './generated/fields';
import { ipListed, ipTablePointer, ipTablePointerLen, ipTableValid } from './ip-match';
import { contextValue, foundLen } from './context';
import {
  NONE, PARSE_OK, PARSE_TOO_DEEP, T_ARRAY, T_KEY, T_OBJECT, T_STRING, T_TRUE, getStep, indentText,
  lastTextLength, nodeLen, nodeNext, nodeStart, nodeType, objectGet, open, parseJson, salvaged, arrayAt,
  unescapeInto, compactText, hasDuplicateKeys, hasEscapedNul,
} from './json';
import { arenaAlloc, arenaReset, pushValue, valuesMark, valuesReset, valuesRewind } from './memory';
import { parseTimestamp, timestampNs } from './timestamp';
import { URI_FOUND, uriParam, uriValueLen, uriValuePtr } from './extract-uri';
import {
  NIL, NO_INDEX, W_OK, asString, getPath, pushString, slotAt, slotCount, strLen, strPtr, stringEquals, walk,
} from './extract-walk';

/** beginEvent results. */
export const EVENT_OK: i32 = 0;
/** Not JSON, even leniently (fastjson would refuse it). */
export const EVENT_PARSE_ERROR: i32 = 1;
/** Nested deeper than 300 levels. */
export const EVENT_TOO_DEEP: i32 = 2;
/** Valid JSON whose root is not an object (an array or a scalar). json.value still works on an array. */
export const EVENT_NOT_OBJECT: i32 = 3;
/** The first byte is not '{' or '[' (e.g. leading whitespace): both plugins refuse the event. */
export const EVENT_BAD_START: i32 = 4;

/**
 * The marker CloudWatch ends a message with when it cut it at its size limit (the one definition in the
 * WebAssembly engine; src/sources/truncation-mark.ts is TypeScript's): an event ending with it, blanks
 * after it aside, was cut and is parsed in salvage mode.
 */
const TRUNCATED_MARK = memory.data<u8>([0x5b, 0x54, 0x72, 0x75, 0x6e, 0x63, 0x61, 0x74, 0x65, 0x64, 0x2e, 0x2e, 0x2e, 0x5d]); // [Truncated...]
const TRUNCATED_MARK_LEN: usize = 14;

// constant strings
const S_TRUE = memory.data<u8>([0x74, 0x72, 0x75, 0x65]);
const S_FALSE = memory.data<u8>([0x66, 0x61, 0x6c, 0x73, 0x65]);
const S_ZERO = memory.data<u8>([0x30]);
const K_AUDIT_ID = memory.data<u8>([0x61, 0x75, 0x64, 0x69, 0x74, 0x49, 0x44]); // auditID
const K_STAGE_TS = memory.data<u8>([0x73, 0x74, 0x61, 0x67, 0x65, 0x54, 0x69, 0x6d, 0x65, 0x73, 0x74, 0x61, 0x6d, 0x70]); // stageTimestamp
const K_RECEIVED_TS = memory.data<u8>([0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74, 0x52, 0x65, 0x63, 0x65, 0x69, 0x76, 0x65, 0x64, 0x54, 0x69, 0x6d, 0x65, 0x73, 0x74, 0x61, 0x6d, 0x70]); // requestReceivedTimestamp
const K_OBJECT_REF = memory.data<u8>([0x6f, 0x62, 0x6a, 0x65, 0x63, 0x74, 0x52, 0x65, 0x66]); // objectRef
const K_RESOURCE = memory.data<u8>([0x72, 0x65, 0x73, 0x6f, 0x75, 0x72, 0x63, 0x65]); // resource
const K_SUBRESOURCE = memory.data<u8>([0x73, 0x75, 0x62, 0x72, 0x65, 0x73, 0x6f, 0x75, 0x72, 0x63, 0x65]); // subresource
const S_PODS = memory.data<u8>([0x70, 0x6f, 0x64, 0x73]); // pods
const K_KIND = memory.data<u8>([0x6b, 0x69, 0x6e, 0x64]); // kind
const K_NAME = memory.data<u8>([0x6e, 0x61, 0x6d, 0x65]); // name
const K_NAMESPACE = memory.data<u8>([0x6e, 0x61, 0x6d, 0x65, 0x73, 0x70, 0x61, 0x63, 0x65]); // namespace
const K_HOST_PORT = memory.data<u8>([0x68, 0x6f, 0x73, 0x74, 0x50, 0x6f, 0x72, 0x74]); // hostPort
const K_CONTAINER_PORT = memory.data<u8>([0x63, 0x6f, 0x6e, 0x74, 0x61, 0x69, 0x6e, 0x65, 0x72, 0x50, 0x6f, 0x72, 0x74]); // containerPort

// ---- the current event ---------------------------------------------------------------------------------
let status: i32 = EVENT_PARSE_ERROR;
let parsed = false; // the lenient parse succeeded (root = node 0)
let hasAuditId = false;
let tsState: i32 = 0; // 0 not computed, 1 valid, 2 missing or invalid
let tsNs: i64 = 0;
let cutAt: usize = 0; // where the truncation marker starts, 0 when the event does not end with it

/** Where the marker starts when [ptr, end) ends with it (blanks after it aside), else 0. */
function markerAt(ptr: usize, end: usize): usize {
  while (end > ptr && <u32>load<u8>(end - 1) <= 0x20 && isBlank(load<u8>(end - 1))) end--;
  if (end - ptr < TRUNCATED_MARK_LEN) return 0;
  const at = end - TRUNCATED_MARK_LEN;
  return memory.compare(at, TRUNCATED_MARK, TRUNCATED_MARK_LEN) == 0 ? at : 0;
}

@inline function isBlank(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x09 || c == 0x0d;
}

/**
 * Parses the event at [ptr, ptr+len) (which must stay unchanged while its fields are extracted) and resets
 * the arena and the value stack. An event ending with `[Truncated...]` is salvaged (kawa.truncated).
 * Returns EVENT_OK or another EVENT_* status; fields are still extractable as far as the status allows.
 */
export function beginEvent(ptr: usize, len: i32): i32 {
  arenaReset();
  valuesReset();
  tsState = 0;
  hasAuditId = false;
  cutAt = markerAt(ptr, ptr + <usize>len);
  const salvage = cutAt != 0;
  const r = parseJson(ptr, salvage ? <i32>(cutAt - ptr) : len, salvage);
  parsed = r == PARSE_OK;
  if (!parsed) {
    status = r == PARSE_TOO_DEEP ? EVENT_TOO_DEEP : EVENT_PARSE_ERROR;
    return status;
  }
  const rootIsObject = nodeType(0) == T_OBJECT;
  hasAuditId = rootIsObject && objectGet(0, K_AUDIT_ID, 7) != NONE;
  const first = len > 0 ? load<u8>(ptr) : 0;
  if (first != 0x7b && first != 0x5b) status = EVENT_BAD_START;
  else status = rootIsObject ? EVENT_OK : EVENT_NOT_OBJECT;
  return status;
}

/** 1 when the current event has an auditID (without one, every ka.* field is empty, as in the plugin). */
export function eventHasAuditId(): i32 {
  return hasAuditId ? 1 : 0;
}

/** 1 when the current event was salvaged from a CloudWatch-truncated message. */
export function eventTruncated(): i32 {
  return parsed && salvaged() ? 1 : 0;
}

/**
 * Where the truncation marker of the current event starts (its JSON text ends there), or 0 when the event
 * does not end with it. An event can end with the marker and still be whole (the cut fell after its last
 * byte): it was cut, but not salvaged.
 */
export function eventCutAt(): usize {
  return cutAt;
}

// The time given to a salvaged event whose timestamps were cut off (setFallbackTimeNs), and whether the
// current event got it.
let fallbackNs: i64 = 0;
let tsSubstituted = false;

/**
 * Sets the time a CloudWatch-truncated event gets when the cut removed its timestamps: the API server
 * writes requestReceivedTimestamp and stageTimestamp after the request and response objects, so a cut
 * usually takes both. The batch evaluation (vm-batch.ts) decides which time that is. Complete events without
 * a valid stageTimestamp are still rejected, as in Falco.
 */
export function setFallbackTimeNs(ns: i64): void {
  fallbackNs = ns;
}

function computeTimestamp(): void {
  tsState = 2;
  tsSubstituted = false;
  if (!parsed || nodeType(0) != T_OBJECT) return;
  if (timestampOf(K_STAGE_TS, 14)) return;
  if (!salvaged()) return;
  if (timestampOf(K_RECEIVED_TS, 24)) return;
  tsNs = fallbackNs;
  tsState = 1;
  tsSubstituted = true;
}

/** Whether the current event's time is the fallback time (setFallbackTimeNs), not one of its own. */
export function eventTimeSubstituted(): bool {
  if (tsState == 0) computeTimestamp();
  return tsSubstituted;
}

/** Reads the root member `key` as an RFC 3339 timestamp into tsNs. */
function timestampOf(key: usize, keyLen: i32): bool {
  const v = objectGet(0, key, keyLen);
  if (v == NONE || nodeType(v) != T_STRING || !asString(v)) return false;
  if (!parseTimestamp(strPtr, strLen)) return false;
  tsNs = timestampNs();
  tsState = 1;
  return true;
}

/** 1 when the current event has a valid stageTimestamp (§9.2); else the event is dropped at ingestion. */
export function eventHasTimestamp(): i32 {
  if (tsState == 0) computeTimestamp();
  return tsState == 1 ? 1 : 0;
}

/**
 * The stageTimestamp in Unix ns (meaningful when eventHasTimestamp()). Read it as unsigned 64-bit: instants
 * before 1970 wrap, and the zero time 0001-01-01T00:00:00Z gives 2^64-1 (meaning "use the current time").
 */
export function eventTimestampNs(): i64 {
  if (tsState == 0) computeTimestamp();
  return tsState == 1 ? tsNs : 0;
}

// ---- recipe table access ----------------------------------------------------------------------------------
@inline function row(field: i32, word: i32): i32 {
  return load<i32>(FIELD_ROWS + (<usize>(field * FIELD_ROW_WORDS + word) << 2));
}

/** The event's first byte is '{' or '[' and it parsed: the precondition of both plugins (§4, §8). */
@inline function pluginReady(): bool {
  return parsed && status != EVENT_BAD_START;
}

/**
 * Extracts field `fieldId` (a registry id) from the current event. `arg` is the key argument's bytes;
 * `argIndex` the index argument (NO_INDEX = -1 when absent; any other negative value is an index >= 2^63).
 * Returns the number of values pushed on the value stack, 0 for no value.
 */
export function extractField(fieldId: i32, argPtr: usize, argLen: i32, argIndex: i64): i32 {
  if (fieldId < 0 || fieldId >= FIELD_COUNT) return 0;
  const mark = valuesMark();
  const plugin = row(fieldId, 1);
  if (plugin == PLUGIN_K8SAUDIT) {
    if (!pluginReady() || !hasAuditId) return 0;
  } else if (plugin == PLUGIN_JSON) {
    if (!pluginReady()) return 0;
  } else if (!parsed) {
    return 0; // kawa's own fields describe a parsed event
  }
  const ok = run(fieldId, argPtr, argLen, argIndex);
  const n = valuesMark() - mark;
  if (!ok || n == 0) {
    valuesRewind(mark);
    return 0;
  }
  return n;
}

/** Runs the field's recipe; false = error (the values pushed so far are dropped). */
function run(f: i32, argPtr: usize, argLen: i32, index: i64): bool {
  const op = row(f, 0);
  const ps = row(f, 3);
  const pl = row(f, 4);
  switch (op) {
    case OP_SCALAR: {
      const v = getPath(0, KEY_BYTES, STEPS, ps, pl);
      return v == NONE || pushString(v);
    }
    case OP_LIST: {
      const v = getPath(0, KEY_BYTES, STEPS, ps, pl);
      if (v == NONE) return true;
      return nodeType(v) == T_ARRAY && pushElements(v);
    }
    case OP_LIST_INDEX: {
      const v = getPath(0, KEY_BYTES, STEPS, ps, pl);
      if (v == NONE) return true;
      if (nodeType(v) != T_ARRAY) return false;
      if (index == NO_INDEX) return pushElements(v);
      const e = arrayAt(v, index);
      return e == NONE || pushString(e);
    }
    case OP_WALK_SKIP:
    case OP_WALK_STRICT:
    case OP_REPOSITORY: {
      if (walk(0, KEY_BYTES, STEPS, ps, pl, index) != W_OK) return true;
      for (let i = 0; i < slotCount(); i++) {
        const s = slotAt(i);
        if (s == NIL) {
          if (op == OP_WALK_SKIP) continue;
          return false;
        }
        if (op == OP_REPOSITORY ? !pushRepository(s) : !pushString(s)) return false;
      }
      return true;
    }
    case OP_FIRST:
    case OP_FIRST_REPOSITORY: {
      if (walk(0, KEY_BYTES, STEPS, ps, pl, 0) != W_OK || slotCount() == 0 || slotAt(0) == NIL) return true;
      return op == OP_FIRST ? pushString(slotAt(0)) : pushRepository(slotAt(0));
    }
    case OP_COMMAND:
      return command(ps, pl, index);
    case OP_HOST_PORT:
      return hostPorts(ps, pl, index);
    case OP_EFF:
      return effective(f, ps, pl, index);
    case OP_CAPABILITIES: {
      if (walk(0, KEY_BYTES, STEPS, ps, pl, index) != W_OK) return true;
      for (let i = 0; i < slotCount(); i++) {
        const s = slotAt(i);
        if (s == NIL) continue;
        if (nodeType(s) == T_ARRAY ? !pushElements(s) : !pushString(s)) return false;
      }
      return true;
    }
    case OP_VOLUME_TYPE:
      return volumeTypes(ps, pl, index);
    case OP_HOSTPATH_MATCH:
      return hostpathMatch(ps, pl, argPtr, argLen);
    case OP_ANY_TRUE: {
      if (walk(0, KEY_BYTES, STEPS, ps, pl, NO_INDEX) != W_OK) return true;
      let any = false;
      for (let i = 0; i < slotCount(); i++) {
        const s = slotAt(i);
        if (s != NIL && nodeType(s) == T_TRUE) any = true;
      }
      pushBool(any);
      return true;
    }
    case OP_RULE_ATTR: {
      if (walk(0, KEY_BYTES, STEPS, ps, pl, index) != W_OK) return true;
      for (let i = 0; i < slotCount(); i++) {
        const s = slotAt(i);
        if (s != NIL && nodeType(s) == T_ARRAY && !pushElements(s)) return false;
      }
      return true;
    }
    case OP_SUBJECTS:
    case OP_SUBJECTS_NS:
      return subjects(f, ps, pl, op == OP_SUBJECTS_NS);
    case OP_URI_PARAM: {
      const v = getPath(0, KEY_BYTES, STEPS, ps, pl);
      if (v == NONE || !asString(v)) return true;
      const r = uriParam(strPtr, strLen, argPtr, argLen);
      if (r == URI_FOUND) pushValue(uriValuePtr(), uriValueLen());
      return r >= 0;
    }
    case OP_TARGET_POD: {
      const ref = objectGet0(K_OBJECT_REF, 9);
      const resource = ref == NONE ? NONE : getStep(ref, K_RESOURCE, 8);
      const sub = ref == NONE ? NONE : getStep(ref, K_SUBRESOURCE, 11);
      if (resource == NONE || nodeType(resource) != T_STRING || !stringEquals(resource, S_PODS, 4)) return true;
      if (sub != NONE && nodeType(sub) == T_STRING && (!asString(sub) || strLen != 0)) return true;
      const v = getPath(0, KEY_BYTES, STEPS, ps, pl);
      return v == NONE || pushString(v);
    }
    case OP_CONSTANT:
      pushValue(KEY_BYTES + <usize>row(f, 7), row(f, 8));
      return true;
    case OP_JSON_VALUE:
      return jsonValue(argPtr, argLen);
    case OP_JSON_OBJ: {
      if (salvaged()) return false; // the payload itself is not JSON
      const p = indentText(0);
      if (!p) return false;
      pushValue(p, lastTextLength());
      return true;
    }
    case OP_JSON_RAWTIME:
      if (eventHasTimestamp()) pushDecimal(<u64>tsNs);
      return true;
    case OP_TRUNCATED:
      pushBool(eventTruncated() != 0);
      return true;
    case OP_CONTEXT: {
      const v = contextValue(KEY_BYTES + <usize>row(f, 7), row(f, 8));
      if (v) pushValue(v, foundLen);
      return true;
    }
    case OP_DUPLICATE_KEYS: {
      const v = getPath(0, KEY_BYTES, STEPS, ps, pl);
      pushBool(v != NONE && hasDuplicateKeys(v));
      return true;
    }
    case OP_NUL_VALUE:
      pushBool(parsed && hasEscapedNul());
      return true;
    case OP_IP_LISTED: {
      // the argument is the list's table (ip-match.ts), which may carry a JSON pointer to the addresses
      if (!ipTableValid(argPtr, argLen)) return false;
      const pointerLen = ipTablePointerLen(argPtr);
      const v = pointerLen ? pointerNode(ipTablePointer(argPtr), pointerLen) : getPath(0, KEY_BYTES, STEPS, ps, pl);
      if (v == NONE) return true;
      if (nodeType(v) != T_ARRAY) return pushIfListed(argPtr, v);
      const arr = open(v);
      const stop = nodeNext(arr);
      for (let c = arr + 1; c < stop; c = nodeNext(c)) if (!pushIfListed(argPtr, c)) return false;
      return true;
    }
    case OP_STATIC: {
      // the compiled field passes its own name (static.<name>) as the argument: the key of the entry
      const v = contextValue(argPtr, argLen);
      if (v) pushValue(v, foundLen);
      return true;
    }
  }
  return false;
}

function objectGet0(key: usize, len: i32): i32 {
  return nodeType(0) == T_OBJECT ? objectGet(0, key, len) : NONE;
}

function pushBool(b: bool): void {
  if (b) pushValue(S_TRUE, 4);
  else pushValue(S_FALSE, 5);
}

function pushElements(arr: i32): bool {
  arr = open(arr);
  const stop = nodeNext(arr);
  for (let c = arr + 1; c < stop; c = nodeNext(c)) if (!pushString(c)) return false;
  return true;
}

/** §7.4: the text before the first ':', then before the first '@'. */
function pushRepository(n: i32): bool {
  if (!asString(n)) return false;
  let len = 0;
  while (len < strLen && load<u8>(strPtr + <usize>len) != 0x3a) len++;
  let cut = 0;
  while (cut < len && load<u8>(strPtr + <usize>cut) != 0x40) cut++;
  pushValue(strPtr, cut);
  return true;
}

function pushDecimal(v: u64): void {
  const buf = arenaAlloc(20);
  if (!buf) return;
  let p = buf + 20;
  do {
    store<u8>(--p, <u8>(0x30 + v % 10));
    v /= 10;
  } while (v);
  pushValue(p, <i32>(buf + 20 - p));
}

/** CMD §7.5: each container's string array joined with single spaces. */
function command(ps: i32, pl: i32, index: i64): bool {
  if (walk(0, KEY_BYTES, STEPS, ps, pl, index) != W_OK) return true;
  for (let i = 0; i < slotCount(); i++) {
    const s = slotAt(i);
    if (s == NIL) continue;
    if (nodeType(s) != T_ARRAY) return false;
    const a = open(s);
    const stop = nodeNext(a);
    let size: usize = 0;
    for (let c = a + 1; c < stop; c = nodeNext(c)) {
      if (nodeType(c) != T_STRING) return false;
      size += <usize>nodeLen(c) + 1;
    }
    const buf = arenaAlloc(size);
    if (!buf && size) return false;
    let o = buf;
    for (let c = a + 1; c < stop; c = nodeNext(c)) {
      if (o != buf) store<u8>(o++, 0x20);
      o += <usize>unescapeInto(nodeStart(c), nodeLen(c), o);
    }
    pushValue(buf, <i32>(o - buf));
  }
  return true; // no container contributed: no values = not available
}

/** HOSTPORT §7.12: each port's hostPort, else its containerPort. */
function hostPorts(ps: i32, pl: i32, index: i64): bool {
  if (walk(0, KEY_BYTES, STEPS, ps, pl, index) != W_OK) return true;
  for (let i = 0; i < slotCount(); i++) {
    const s = slotAt(i);
    if (s == NIL) continue;
    if (nodeType(s) != T_ARRAY) return false;
    const a = open(s);
    const stop = nodeNext(a);
    for (let c = a + 1; c < stop; c = nodeNext(c)) {
      if (nodeType(c) != T_OBJECT) continue;
      let v = objectGet(c, K_HOST_PORT, 8);
      if (v == NONE) v = objectGet(c, K_CONTAINER_PORT, 13);
      if (v != NONE && !pushString(v)) return false;
    }
  }
  return true;
}

/**
 * eff_run_as_user/group (project decision 3): per container, its securityContext value, else the pod's
 * spec.securityContext value (`alt`), else "0". The recipe path is the container list followed by the
 * two per-container steps (securityContext, runAsUser|runAsGroup).
 */
function effective(f: i32, ps: i32, pl: i32, index: i64): bool {
  let dPtr = S_ZERO;
  let dLen = 1;
  const pod = getPath(0, KEY_BYTES, STEPS, row(f, 5), row(f, 6));
  if (pod != NONE) {
    if (!asString(pod)) return false;
    dPtr = strPtr;
    dLen = strLen;
  }
  // the containers: the list path plus an identity step, so the list itself is expanded (or indexed)
  if (walkContainers(ps, pl - 2, index) != W_OK) return true;
  for (let i = 0; i < slotCount(); i++) {
    const c = slotAt(i);
    const v = c == NIL ? NONE : getPath(c, KEY_BYTES, STEPS, ps + pl - 2, 2);
    if (v == NONE) pushValue(dPtr, dLen);
    else if (!pushString(v)) return false;
  }
  return true;
}

// A one-step path holding the identity step, appended to container-list paths.
const IDENTITY_STEP = memory.data<u32>([0, 0]);
const containerSteps = memory.data(16 * 8);

/** W over steps [ps, ps+count) followed by an identity step: the slots are the list's elements. */
function walkContainers(ps: i32, count: i32, index: i64): i32 {
  // copy the steps so an identity step can follow them (paths are at most a few steps long)
  if (count > 15) return 0;
  memory.copy(containerSteps, STEPS + (<usize>ps << 3), <usize>count << 3);
  memory.copy(containerSteps + (<usize>count << 3), IDENTITY_STEP, 8);
  return walk(0, KEY_BYTES, containerSteps, 0, count + 1, index);
}

/** VOLTYPE §7.7: every member key of each volume except `name`, unescaped. */
function volumeTypes(ps: i32, pl: i32, index: i64): bool {
  if (walk(0, KEY_BYTES, STEPS, ps, pl, index) != W_OK) return true;
  for (let i = 0; i < slotCount(); i++) {
    const s = slotAt(i);
    if (s == NIL || nodeType(s) != T_OBJECT) continue;
    const o = open(s);
    const stop = nodeNext(o);
    for (let k = o + 1; k < stop; k = nodeNext(k + 1)) {
      if (nodeType(k) != T_KEY || !asString(k)) return false;
      if (strLen == 4 && memory.compare(strPtr, K_NAME, 4) == 0) continue;
      pushValue(strPtr, strLen);
    }
  }
  return true;
}

/** HOSTPATH §7.8: "true" if a volume's hostPath equals ARG, or starts with ARG minus a trailing '*'. */
function hostpathMatch(ps: i32, pl: i32, arg: usize, argLen: i32): bool {
  if (argLen == 0) return false; // upstream panics
  if (walk(0, KEY_BYTES, STEPS, ps, pl, NO_INDEX) != W_OK) return true;
  const prefix = load<u8>(arg + <usize>(argLen - 1)) == 0x2a;
  const pLen = argLen - 1;
  let any = false;
  for (let i = 0; i < slotCount() && !any; i++) {
    const s = slotAt(i);
    if (s == NIL) continue;
    if (!asString(s)) return false;
    if (prefix && strLen >= pLen && memory.compare(strPtr, arg, <usize>pLen) == 0) any = true;
    else if (strLen == argLen && memory.compare(strPtr, arg, <usize>argLen) == 0) any = true;
  }
  pushBool(any);
  return true;
}

/** SUBJ / SUBJ-NS §7.3: names (or namespace:name) of the subjects of the recipe's kind. */
function subjects(f: i32, ps: i32, pl: i32, withNamespace: bool): bool {
  const list = getPath(0, KEY_BYTES, STEPS, ps, pl);
  if (list == NONE) return true; // an empty list
  if (nodeType(list) != T_ARRAY) return false;
  const kindPtr = KEY_BYTES + <usize>row(f, 7);
  const kindLen = row(f, 8);
  const l = open(list);
  const stop = nodeNext(l);
  for (let e = l + 1; e < stop; e = nodeNext(e)) {
    const kind = getStep(e, K_KIND, 4);
    const name = getStep(e, K_NAME, 4);
    if (kind == NONE || name == NONE || !stringEquals(kind, kindPtr, kindLen)) continue;
    if (!withNamespace) {
      if (!pushString(name)) return false;
      continue;
    }
    const ns = getStep(e, K_NAMESPACE, 9);
    if (ns == NONE) continue;
    if (!asString(ns)) return false;
    const nsPtr = strPtr;
    const nsLen = strLen;
    if (!asString(name)) return false;
    const buf = arenaAlloc(<usize>(nsLen + 1 + strLen));
    if (!buf) return false;
    memory.copy(buf, nsPtr, nsLen);
    store<u8>(buf + <usize>nsLen, 0x3a);
    memory.copy(buf + <usize>nsLen + 1, strPtr, strLen);
    pushValue(buf, nsLen + 1 + strLen);
  }
  return true;
}

/** json.value §8.1: the value at a JSON pointer ("" = the whole document as compact JSON). */
function jsonValue(arg: usize, argLen: i32): bool {
  if (argLen == 0) {
    const p = compactText(0);
    if (!p) return false;
    pushValue(p, lastTextLength());
    return true;
  }
  const v = pointerNode(arg, argLen);
  return v == NONE || pushString(v);
}

/** The node at the JSON pointer [arg, arg + argLen) (a leading '/' optional), or NONE. */
function pointerNode(arg: usize, argLen: i32): i32 {
  const end = arg + <usize>argLen;
  let p = arg;
  if (load<u8>(p) == 0x2f) p++;
  // segments are decoded (~1 -> '/', then ~0 -> '~') into one arena buffer
  const buf = arenaAlloc(<usize>argLen);
  if (!buf) return NONE;
  let v = 0;
  while (true) {
    let q = p;
    while (q < end && load<u8>(q) != 0x2f) q++;
    const segLen = decodePointerSegment(p, q, buf);
    v = getStep(v, buf, segLen);
    if (v == NONE || q >= end) return v;
    p = q + 1;
  }
}

/** Pushes string node `n` when it is an address the IP list `table` holds; false on an extraction error. */
function pushIfListed(table: usize, n: i32): bool {
  if (nodeType(n) != T_STRING) return true;
  if (!asString(n)) return false;
  if (ipListed(table, strPtr, strLen)) pushValue(strPtr, strLen);
  return true;
}

/** RFC 6901-style segment decoding as the json plugin does it: all "~1" -> "/" first, then "~0" -> "~". */
function decodePointerSegment(p: usize, end: usize, dst: usize): i32 {
  let o = dst;
  while (p < end) {
    if (load<u8>(p) == 0x7e && p + 1 < end && load<u8>(p + 1) == 0x31) {
      store<u8>(o++, 0x2f);
      p += 2;
    } else {
      store<u8>(o++, load<u8>(p++));
    }
  }
  const len = o - dst;
  let w = dst;
  for (let r = dst; r < dst + len; ) {
    if (load<u8>(r) == 0x7e && r + 1 < dst + len && load<u8>(r + 1) == 0x30) {
      store<u8>(w++, 0x7e);
      r += 2;
    } else {
      store<u8>(w++, load<u8>(r++));
    }
  }
  return <i32>(w - dst);
}
