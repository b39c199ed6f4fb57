// The compiled program's binary layout and instruction set, shared by the compiler (TypeScript) and the VM
// (assembly/vm-bytecode.ts is generated from this file by scripts/gen-bytecode.mjs; `npm run check:gen` fails
// when it is stale). Keep every constant a top-level `export const NAME = <integer or sum>;` line.
//
// Program (all integers little-endian; offsets are byte offsets from the start of the program):
//   header   u32 × HEADER_WORDS: MAGIC, VERSION, slotCount, memoCount, ruleCount,
//            slotTableOff, poolOff, codeOff, ruleTableOff, totalLen, guardCount, guardTableOff
//   pool     constant bytes (strings, set tables, compiled regexes, transformer argument lists, guards)
//   slots    slotCount × u32: offset of each operand slot's record in the pool
//   code     instructions (below); every rule's condition ends with END
//   rules    ruleCount × record: u32 rule position (index into the rules the program was built from),
//            u32 code offset, u32 output count n, n × u32 operand slot (the values reported on a match)
//
// An operand slot is a value source computed at most once per event and cached: a field with its
// argument, or a transformer applied to other slots. Slot record:
//   field        u32 SLOT_FIELD, u32 field id, u32 argument offset, i32 argument length (0 when none),
//                i64 index argument (-1: none)
//   transformer  u32 SLOT_TRANSFORMER, u32 transformer id, u32 flags (TF_LIST_INPUT: the first argument
//                is a list, so len() counts values), u32 argc, argc × argument
//   argument     u32 kind, u32 a, u32 b:  TARG_SLOT (a = slot), TARG_CONST (a = offset, b = length),
//                TARG_LIST (b = number of following arguments that form the list)
//
// Rule guards: a necessary condition on one scalar string operand that many rules share (`ka.verb = create`,
// `ka.target.resource in (roles, clusterroles)` as a top-level conjunct), so that the VM runs only the
// rules an event can match. A guard table is guardCount consecutive records:
//   u32 slot, u32 set offset (a set, below: every value some rule's guard accepts), then (count + 1) rule
//   masks of W = ceil(ruleCount / 32) u32 words each: mask i holds the rules that may match when the
//   operand's value is set item i (rules without a guard on this operand, and those whose guard accepts
//   item i); the last mask, when the value is not in the set or missing, holds the unguarded rules only.
// A rule runs when its bit is set in the masks of every guard.
//
// A set (in/intersects) is u32 count, count × (u32 offset, u32 length) of its items, sorted (byte order)
// and deduplicated, for binary search. Modifier lists keep the written items, duplicates included, because
// oneof/allof count them: u32 count, count × (u32 length, bytes) (assembly/ops.ts).

export const MAGIC = 0x5041574b; // "KWAP"
export const VERSION = 2;
export const HEADER_WORDS = 12;

export const SLOT_FIELD = 0;
export const SLOT_TRANSFORMER = 1;

export const TF_LIST_INPUT = 1;

export const TARG_SLOT = 0;
export const TARG_CONST = 1;
export const TARG_LIST = 2;

/**
 * Instructions: one opcode byte, then u32 operands. The VM keeps one boolean register `r`.
 *   END                      the rule's result is r
 *   JF target / JT target    jump when r is false / true (short-circuit and / or)
 *   NOT                      r = !r
 *   MEMO_GET memo target     if memo was computed for this event: r = memo, jump to target
 *   MEMO_SET memo            remember r for this event
 *   CHECK kind op mod left a b   (u8 kind, u8 op, u8 modifier, u32 left slot, u32 a, u32 b): r = the check
 */
export const I_END = 0;
export const I_JF = 1;
export const I_JT = 2;
export const I_NOT = 3;
export const I_MEMO_GET = 4;
export const I_MEMO_SET = 5;
export const I_CHECK = 6;

/** Length in bytes of each instruction. */
export const CHECK_SIZE = 1 + 3 + 12;

/**
 * Check kinds. Every one is false when the left operand has no value (rules-language.md 3.1).
 *   EXISTS                          left has a value
 *   STR_CONST   a,b = const         op(left[0], const)
 *   STR_SLOT    a = slot            op(left[0], right[0]); false when right has no value
 *   NUM_CONST   a,b = u64 lo,hi     numeric op on left[0] as an unsigned decimal
 *   NUM_SLOT    a = slot
 *   IN_SET      a = set             every left value is in the set (sorted)
 *   ANY_SET     a = set             some left value is in the set (intersects)
 *   IN_SLOT     a = slot            every left value is among the right values
 *   ANY_SLOT    a = slot            some left value is among the right values
 *   PMATCH      a = table           the left value is under one of the paths (prefix table, assembly/pmatch.ts)
 *   MOD_SET     a = list            modifier (oneof/anyof/allof) over op(left[0], item) (value list,
 *                                   assembly/ops.ts)
 */
export const K_EXISTS = 0;
export const K_STR_CONST = 1;
export const K_STR_SLOT = 2;
export const K_NUM_CONST = 3;
export const K_NUM_SLOT = 4;
export const K_IN_SET = 5;
export const K_ANY_SET = 6;
export const K_IN_SLOT = 7;
export const K_ANY_SLOT = 8;
export const K_PMATCH = 9;
export const K_MOD_SET = 10;

/**
 * The `op` and `modifier` bytes of a check, and a transformer's id, are the ids of opcodes.ts (Op, Mod, Xf),
 * shared with the operators (assembly/ops.ts). The multi-value transformers the VM evaluates itself have
 * ids of their own, after Xf's.
 */
export const T_JOIN = 64;
export const T_CONCAT = 65;

// ---- result records (written by the VM's evaluateBatch, read by src/engine/batch.ts) -------------------
//   match      u32 REC_MATCH, u32 payload, u32 item, u32 rule position, u32 flags, u64 time ns,
//              u32 n, then n × (u32 count, count × (u32 length, bytes, padding to 4))
//   rejection  u32 REC_REJECT, u32 payload, u32 item, u32 reason, u32 flags
export const REC_MATCH = 1;
export const REC_REJECT = 2;
/** A match: the event was salvaged from a message CloudWatch cut (kawa.truncated). A rejection: the event,
 *  or the payload when the rejection is the whole payload's, ended with the truncation marker. */
export const FLAG_TRUNCATED = 1;
/** A match: the event's own timestamps were cut off, and its time is a substitute (vm-batch.ts says which). */
export const FLAG_TIME_SUBSTITUTED = 2;
/** A rejection: one item of a payload that is a list of events (an EventList's items, a JSON array), not the
 *  payload itself; a reader names the item, and the webhook still accepts the body. */
export const FLAG_LIST_ITEM = 4;

export const REJECT_UNRECOGNIZED = 1;
export const REJECT_PARSE = 2;
export const REJECT_NO_TIMESTAMP = 3;
export const REJECT_TOO_LARGE = 4;

/** evaluateBatch modes. */
export const MODE_INGEST = 0; // classify payloads like the k8saudit source (fields.md 9.2)
export const MODE_AS_IS = 1; // evaluate each payload as one event, whatever it is (kawa eval)

export const RULES_FIRST = 0;
export const RULES_ALL = 1;


// ---- alert line templates (written by src/alerts/line-templates.ts, run by assembly/render.ts) ------------
// What the VM writes each match's alert line from, when lines are asked for (Engine.setLineRendering):
//   templates  u32 rule count, then per rule position u32 offset of its template from the start (0: the
//              VM writes no line for that rule; JS formats it), then the templates
//   template   ops, each a u32 op word and its operands, ending with L_END:
//     L_LIT n bytes(padded to 4)   these bytes as they are (JSON text made once per rule)
//     L_TOKEN out list             a message token: the value list `out` of the record ("<NA>" when it has no
//                                  value; list: "(a,b)"; else its first value), escaped as in a JSON string
//     L_FIELD out list             an output_fields value: null, "value" or (list) ["a","b"]
//     L_CLOCK utc                  the event time's clock "HH:MM:SS.nnnnnnnnn", local (utc 0) or UTC
//     L_ISO                        "YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000"
//     L_JSON_TIME                  "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"
//     L_TIME_NS                    the event time in ns, decimal
// A value the VM cannot write exactly as the JavaScript formatter does (bytes that are no well-formed UTF-8:
// the formatter decodes them, replacing them with U+FFFD), a list rendered past LIST_RENDER_MAX bytes, or an
// event CloudWatch cut leaves the match without a line: LINE_NONE, and JS formats it.
export const L_END = 0;
export const L_LIT = 1;
export const L_TOKEN = 2;
export const L_FIELD = 3;
export const L_CLOCK = 4;
export const L_ISO = 5;
export const L_JSON_TIME = 6;
export const L_TIME_NS = 7;
export const LINE_NONE = 0xffffffff;
/** Falco cuts the rendering of a list field in an output to this many bytes. */
export const LIST_RENDER_MAX = 1023;
