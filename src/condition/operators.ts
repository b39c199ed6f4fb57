// The one table of the condition language's comparison operators. Everything that needs to know an
// operator reads it here: the parser (how it is written and what its right side is), the type checker
// (which fields it accepts), rules-file exceptions (which `comps` are valid, which take a list), and the
// compiler (its opcode, whether it compares numbers, whether it is worth memoizing).
// Adding an operator is a row here, an id in Op, and its evaluation in assembly/ops.ts.

/** Check operators' ids, shared with the VM (compile/opcodes.ts, and assembly/opcodes.ts generated from both).
 * `=` and `==` share EQ. bcontains/bstartswith have no id: they are compile errors on the
 * string fields this engine has (spec 3.3). */
export const Op = {
  EQ: 1,
  NE: 2,
  LT: 3,
  LE: 4,
  GT: 5,
  GE: 6,
  CONTAINS: 7,
  ICONTAINS: 8,
  STARTSWITH: 9,
  ENDSWITH: 10,
  GLOB: 11,
  IGLOB: 12,
  REGEX: 13,
  IN: 14,
  INTERSECTS: 15,
  PMATCH: 16,
  EXISTS: 17,
} as const;

/** One operator of the condition language: how it is written and read, what it accepts, what it compiles to. */
export interface OperatorDef {
  /** As written in a condition. */
  readonly text: string;
  /**
   * What follows it: nothing (`exists`); a number or a field (`<`); a string, a field, or a modifier with a
   * list (`startswith anyof (a, b)`); a list or a field (`in`).
   */
  readonly rhs: 'none' | 'number' | 'string' | 'list';
  /** How the parser reads it: a symbol is taken where it starts (the longest first); a word needs a blank
   *  after it (`containsabc` is no operator). */
  readonly lexeme: 'symbol' | 'word';
  /** Also applies to numeric (uint64) fields. */
  readonly numeric: boolean;
  /** Applies to a list field as a whole (the others need a scalar field). */
  readonly listField: boolean;
  /** Cheaper to evaluate again than to keep in a memo slot. */
  readonly cheap: boolean;
  /** Its id's name in `Op` above; none for operators this engine's string fields reject at compile time
   *  (bcontains, bstartswith: byte operators, spec 3.3). */
  readonly opcode?: keyof typeof Op;
}

/** Every comparison operator, in the order the parser's error message lists them. */
export const OPERATORS = [
  { text: 'exists', rhs: 'none', lexeme: 'word', numeric: true, listField: true, cheap: true, opcode: 'EXISTS' },
  { text: '<=', rhs: 'number', lexeme: 'symbol', numeric: true, listField: false, cheap: true, opcode: 'LE' },
  { text: '<', rhs: 'number', lexeme: 'symbol', numeric: true, listField: false, cheap: true, opcode: 'LT' },
  { text: '>=', rhs: 'number', lexeme: 'symbol', numeric: true, listField: false, cheap: true, opcode: 'GE' },
  { text: '>', rhs: 'number', lexeme: 'symbol', numeric: true, listField: false, cheap: true, opcode: 'GT' },
  { text: '==', rhs: 'string', lexeme: 'symbol', numeric: true, listField: false, cheap: true, opcode: 'EQ' },
  { text: '=', rhs: 'string', lexeme: 'symbol', numeric: true, listField: false, cheap: true, opcode: 'EQ' },
  { text: '!=', rhs: 'string', lexeme: 'symbol', numeric: true, listField: false, cheap: true, opcode: 'NE' },
  { text: 'glob', rhs: 'string', lexeme: 'word', numeric: false, listField: false, cheap: false, opcode: 'GLOB' },
  { text: 'iglob', rhs: 'string', lexeme: 'word', numeric: false, listField: false, cheap: false, opcode: 'IGLOB' },
  { text: 'contains', rhs: 'string', lexeme: 'word', numeric: false, listField: false, cheap: false, opcode: 'CONTAINS' },
  { text: 'icontains', rhs: 'string', lexeme: 'word', numeric: false, listField: false, cheap: false, opcode: 'ICONTAINS' },
  { text: 'bcontains', rhs: 'string', lexeme: 'word', numeric: false, listField: false, cheap: false },
  { text: 'startswith', rhs: 'string', lexeme: 'word', numeric: false, listField: false, cheap: true, opcode: 'STARTSWITH' },
  { text: 'bstartswith', rhs: 'string', lexeme: 'word', numeric: false, listField: false, cheap: false },
  { text: 'endswith', rhs: 'string', lexeme: 'word', numeric: false, listField: false, cheap: true, opcode: 'ENDSWITH' },
  { text: 'regex', rhs: 'string', lexeme: 'word', numeric: false, listField: false, cheap: false, opcode: 'REGEX' },
  { text: 'intersects', rhs: 'list', lexeme: 'symbol', numeric: true, listField: true, cheap: false, opcode: 'INTERSECTS' },
  { text: 'in', rhs: 'list', lexeme: 'symbol', numeric: true, listField: true, cheap: false, opcode: 'IN' },
  { text: 'pmatch', rhs: 'list', lexeme: 'symbol', numeric: false, listField: false, cheap: false, opcode: 'PMATCH' },
] as const satisfies readonly OperatorDef[];

/** The modifiers of string operators (`ka.uri startswith anyof (a, b)`). */
export const MODIFIERS = ['oneof', 'anyof', 'allof'] as const;

/** The operators whose right side is of the given kind. */
export type OperatorText<R extends OperatorDef['rhs']> = Extract<(typeof OPERATORS)[number], { rhs: R }>['text'];

const byText = new Map<string, OperatorDef>(OPERATORS.map((o) => [o.text, o]));

/** The row of an operator, or undefined for text that is none. */
export function operator(text: string): OperatorDef | undefined {
  return byText.get(text);
}

/** Texts of the operators with a given right side, longest first (the order a greedy reader needs:
 *  `<=` before `<`, `intersects` before `in`). */
export function operatorTexts<R extends OperatorDef['rhs']>(rhs: R, lexeme?: OperatorDef['lexeme']): readonly OperatorText<R>[] {
  return OPERATORS.filter((o) => o.rhs === rhs && (!lexeme || o.lexeme === lexeme))
    .map((o) => o.text as OperatorText<R>)
    .sort((a, b) => b.length - a.length);
}
