// Mirror of src/compile/bytecode.ts (the program layout and instruction set are documented there);
// test/compile/bytecode.test.ts checks that every number here equals its TypeScript twin.

export const MAGIC: u32 = 0x5041574b;
export const VERSION: u32 = 2;
export const HEADER_WORDS: i32 = 12;

export const SLOT_FIELD: u32 = 0;
export const SLOT_TRANSFORMER: u32 = 1;

export const TF_LIST_INPUT: u32 = 1;

export const TARG_SLOT: u32 = 0;
export const TARG_CONST: u32 = 1;
export const TARG_LIST: u32 = 2;

export const I_END: u8 = 0;
export const I_JF: u8 = 1;
export const I_JT: u8 = 2;
export const I_NOT: u8 = 3;
export const I_MEMO_GET: u8 = 4;
export const I_MEMO_SET: u8 = 5;
export const I_CHECK: u8 = 6;

export const CHECK_SIZE: i32 = 16;

export const K_EXISTS: u8 = 0;
export const K_STR_CONST: u8 = 1;
export const K_STR_SLOT: u8 = 2;
export const K_NUM_CONST: u8 = 3;
export const K_NUM_SLOT: u8 = 4;
export const K_IN_SET: u8 = 5;
export const K_ANY_SET: u8 = 6;
export const K_IN_SLOT: u8 = 7;
export const K_ANY_SLOT: u8 = 8;
export const K_PMATCH: u8 = 9;
export const K_MOD_SET: u8 = 10;

export const T_JOIN: u32 = 64;
export const T_CONCAT: u32 = 65;

export const REC_MATCH: u32 = 1;
export const REC_REJECT: u32 = 2;
export const FLAG_TRUNCATED: u32 = 1;
export const FLAG_TIME_SUBSTITUTED: u32 = 2;

export const REJECT_UNRECOGNIZED: u32 = 1;
export const REJECT_PARSE: u32 = 2;
export const REJECT_NO_TIMESTAMP: u32 = 3;
export const REJECT_TOO_LARGE: u32 = 4;

export const MODE_INGEST: i32 = 0;
export const MODE_AS_IS: i32 = 1;

export const RULES_FIRST: i32 = 0;
export const RULES_ALL: i32 = 1;
