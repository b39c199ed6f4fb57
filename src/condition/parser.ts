// Recursive-descent parser for Falco filter conditions (rules-language.md sections 1 and 2). Like Falco's,
// it keeps no token stream: each step tries the token kinds it accepts at that point, in a fixed order, and
// never backtracks over a token it has taken. Token shapes are in scan.ts, string escapes in escape.ts.
//
// Grammar (EBNF). Blanks (space, \t, \b, \r, \n) may appear between any two tokens unless noted.
//
//   condition       := or_expr EOF                        ; "" alone: "filter input string is empty"
//   or_expr         := and_expr { "or" ( BLANK and_expr | "(" group_rest ) }
//   and_expr        := not_expr { "and" ( BLANK not_expr | "(" group_rest ) }
//   not_expr        := { "not" SPACE+ } ( "not(" group_rest | check )  ; nots cancel in pairs
//   group_rest      := or_expr ")"                         ; a group makes no node of its own
//   check           := "(" group_rest
//                    | operand "exists"                    ; no blank needed after "exists"
//                    | operand NUMOP ( rhs_transformer | HEX | NUMBER )
//                    | operand STROP BLANK MODIFIER BLANK ( list | IDENT )   ; IDENT not and/or/not
//                    | operand STROP ( rhs_transformer | QUOTED | BARE )
//                    | operand LISTOP ( list | rhs_transformer | IDENT )
//                    | IDENT                               ; macro reference
//   operand         := FIELD [arg] | transformer
//   transformer     := TNAME "(" targ { "," targ } ")" [arg]   ; no blank between TNAME and "("
//   targ            := "(" [ titem { "," titem } ] ")" | titem
//   titem           := FIELD [arg] | transformer | QUOTED | HEX | NUMBER
//   rhs_transformer := "val(" FIELD [arg] ")" [arg] | transformer
//   list            := "(" [ item { "," item } ] ")"       ; item := QUOTED | BARE
//   arg             := "[" ( QUOTED | BAREARG ) "]"        ; "[" right after the name, no blanks inside
//
//   NUMOP    := "<=" | "<" | ">=" | ">"
//   STROP    := "==" | "=" | "!=" | ("glob" | "iglob" | "contains" | "icontains" | "bcontains"
//               | "startswith" | "bstartswith" | "endswith" | "regex") followed by a BLANK
//   LISTOP   := "intersects" | "in" | "pmatch"             ; no blank needed after them
//   MODIFIER := "oneof" | "anyof" | "allof"
//   TNAME    := "tolower" | "toupper" | "b64" | "basename" | "len" | "join" | "concat" | "getopt"
//
// Depth limit: every production Falco implements as a function counts one frame while it runs (about five
// per parenthesis level), and reaching the limit is an error. This bounds the JS recursion too, so
// deeply nested input fails cleanly instead of overflowing the stack.
import type {
  AndExpr, OrExpr, CheckExpr, CheckOp, Expr, IdentValue, ListValue, Modifier, NumberValue, Operand, RightValue, StringValue,
  Transformer, TransformerArg, TransformerName, ValRef, FieldRef,
} from './ast.js';
import { MODIFIERS, OPERATORS, operatorTexts } from './operators.js';
import { unescapeQuoted } from './escape.js';
import {
  isBlank, scanBareArgument, scanBareString, scanBlanks, scanFieldName, scanHexNumber, scanIdentifier,
  scanNumber, scanQuotedEnd, scanSpaces,
} from './scan.js';
import { ConditionSyntaxError } from './syntax-error.js';

export { ConditionSyntaxError } from './syntax-error.js';
export { scanFieldName } from './scan.js';

/** Falco's default limit; its rule loader raises it to 1000. */
export const DEFAULT_MAX_DEPTH = 100;

export interface ParseOptions {
  /** Recursion frames allowed (default 100; Falco's rule loader uses 1000). */
  maxDepth?: number;
}

const NUM_OPS = operatorTexts('number');
const SYMBOL_STR_OPS = operatorTexts('string', 'symbol');
const WORD_STR_OPS = operatorTexts('string', 'word');
const LIST_OPS = operatorTexts('list');
const MODIFIER_WORDS: ReadonlySet<string> = new Set<Modifier>(MODIFIERS);
const BOOLEAN_WORDS: ReadonlySet<string> = new Set(['and', 'or', 'not']);
const TRANSFORMERS: ReadonlySet<string> = new Set<TransformerName>(['tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt']);

const quoteList = (items: Iterable<string>): string => [...items].map((s) => `'${s}'`).join(', ');
const OPERATOR_LIST = quoteList(OPERATORS.map((o) => o.text));
const TRANSFORMER_LIST = quoteList(['val', ...TRANSFORMERS]);

/** Parses a whole condition. Throws ConditionSyntaxError. */
export function parseCondition(text: string, opts: ParseOptions = {}): Expr {
  if (text.length === 0) throw new ConditionSyntaxError('filter input string is empty', 0);
  const parser = new Parser(text, opts.maxDepth ?? DEFAULT_MAX_DEPTH, 0);
  const expr = parser.orExpr();
  if (parser.pos !== text.length) parser.fail(`unexpected token after '${parser.lastToken}', expecting 'or', 'and'`);
  return expr;
}

/**
 * Parses a field (with an optional `[arg]`) or a transformer expression starting exactly at `start`, for
 * `%tokens` in output formats. Returns null when neither starts there; throws ConditionSyntaxError when
 * one starts but is malformed (a bad `[arg]`, an unclosed transformer). Field names are taken greedily:
 * picking the longest *registered* prefix is the caller's job (scanFieldName, parseFieldArgument).
 */
export function parseOperandPrefix(text: string, start: number): { operand: Operand; end: number } | null {
  const parser = new Parser(text, DEFAULT_MAX_DEPTH, start);
  const operand = parser.operand();
  return operand ? { operand, end: parser.pos } : null;
}

/**
 * Parses a field argument `[...]` starting exactly at `start`. Returns null when `text[start]` is not
 * `[`; throws ConditionSyntaxError when the argument is malformed.
 */
export function parseFieldArgument(text: string, start: number): { arg: string; end: number } | null {
  const parser = new Parser(text, DEFAULT_MAX_DEPTH, start);
  const arg = parser.argument();
  return arg === undefined ? null : { arg, end: parser.pos };
}

class Parser {
  /** The last token taken, for "unexpected token after '…'". */
  lastToken = '';
  private depth = 0;

  constructor(private readonly text: string, private readonly maxDepth: number, public pos: number) {}

  fail(message: string, at: number = this.pos): never {
    throw new ConditionSyntaxError(message, at);
  }

  /**
   * Enters one recursion frame of Falco's parser, counted against the depth limit; each framed method
   * leaves it in a `finally`. (Plain calls rather than a callback wrapper: a closure per frame doubled the
   * garbage on multi-megabyte conditions.)
   */
  private enter(): void {
    if (++this.depth >= this.maxDepth) this.fail(`exceeded max depth limit of ${this.maxDepth}`);
  }

  private blanks(): boolean {
    const end = scanBlanks(this.text, this.pos);
    const found = end > this.pos;
    this.pos = end;
    return found;
  }

  private eat(token: string): boolean {
    if (!this.text.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    this.lastToken = token;
    return true;
  }

  private eatAny<T extends string>(tokens: readonly T[]): T | undefined {
    for (const t of tokens) if (this.eat(t)) return t;
    return undefined;
  }

  /** Takes text[pos, end) as the next token. */
  private take(end: number): string {
    const token = this.text.slice(this.pos, end);
    this.pos = end;
    this.lastToken = token;
    return token;
  }

  orExpr(): Expr {
    this.enter();
    try {
      return this.chain('or');
    } finally {
      this.depth--;
    }
  }

  private andExpr(): Expr {
    this.enter();
    try {
      return this.chain('and');
    } finally {
      this.depth--;
    }
  }

  /** `operand { kind operand }`: one n-ary node, or the single operand itself. */
  private chain(kind: 'and' | 'or'): Expr {
    this.blanks();
    const at = this.pos;
    const children = [this.chainOperand(kind)];
    this.blanks();
    while (this.eat(kind)) {
      if (this.blanks()) children.push(this.chainOperand(kind));
      else if (this.eat('(')) children.push(this.groupRest());
      else this.fail(`expected blank or '(' after '${kind}'`);
      this.blanks();
    }
    if (children.length === 1) return children[0]!;
    return { kind, children, at } as AndExpr | OrExpr;
  }

  private chainOperand(kind: 'and' | 'or'): Expr {
    return kind === 'or' ? this.andExpr() : this.notExpr();
  }

  private notExpr(): Expr {
    this.enter();
    try {
      this.blanks();
      const at = this.pos;
      let negate = false;
      while (this.text.startsWith('not', this.pos)) {
        const end = scanSpaces(this.text, this.pos + 3);
        if (end === this.pos + 3) break; // `notb` is an identifier; `not(` is handled below
        this.take(end);
        negate = !negate;
      }
      let child: Expr;
      if (this.eat('not(')) {
        negate = !negate;
        child = this.groupRest();
      } else {
        child = this.check();
      }
      return negate ? { kind: 'not', child, at } : child;
    } finally {
      this.depth--;
    }
  }

  /** The rest of a parenthesised group, after its "(". */
  private groupRest(): Expr {
    this.enter();
    try {
      this.blanks();
      const expr = this.orExpr();
      this.blanks();
      if (!this.eat(')')) this.fail("expected a ')' token");
      return expr;
    } finally {
      this.depth--;
    }
  }

  private check(): Expr {
    this.enter();
    try {
      this.blanks();
      const at = this.pos;
      if (this.eat('(')) return this.groupRest();
      const left = this.operand();
      if (left) return this.condition(left, at);
      const end = scanIdentifier(this.text, at);
      if (end > at) return { kind: 'macro', name: this.take(end), at };
      return this.fail("expected a '(' token, a field check, or an identifier");
    } finally {
      this.depth--;
    }
  }

  /** FIELD [arg] or a transformer, starting exactly at pos; null when neither starts there. */
  operand(): Operand | null {
    const at = this.pos;
    const fieldEnd = scanFieldName(this.text, at);
    if (fieldEnd > at) return this.fieldRest(this.take(fieldEnd), at);
    const name = this.transformerName();
    return name ? this.transformerRest(name, at) : null;
  }

  private fieldRest(name: string, at: number): FieldRef {
    const arg = this.argument();
    return arg === undefined ? { kind: 'field', name, at } : { kind: 'field', name, arg, at };
  }

  /** `[arg]` right at pos; undefined when there is no "[". */
  argument(): string | undefined {
    if (this.text.charCodeAt(this.pos) !== 0x5b) return undefined;
    this.take(this.pos + 1);
    let arg = this.quoted()?.value;
    if (arg === undefined) {
      const end = scanBareArgument(this.text, this.pos);
      if (end === this.pos) this.fail('expected a valid field argument: a quoted string or a bare string');
      arg = this.take(end);
    }
    if (!this.eat(']')) this.fail("expected a ']' token");
    return arg;
  }

  /** A transformer name immediately followed by "(", both taken; null (nothing taken) otherwise. */
  private transformerName(): TransformerName | null {
    const end = scanIdentifier(this.text, this.pos);
    if (end === this.pos || this.text.charCodeAt(end) !== 0x28) return null;
    const name = this.text.slice(this.pos, end);
    if (!TRANSFORMERS.has(name)) return null;
    this.take(end + 1);
    return name as TransformerName;
  }

  /** The rest of a transformer, after its "name(". */
  private transformerRest(name: TransformerName, at: number): Transformer {
    this.enter();
    try {
      const args = [this.transformerArg()];
      this.blanks();
      while (this.eat(',')) {
        args.push(this.transformerArg());
        this.blanks();
      }
      if (!this.eat(')')) this.fail("expected a ')' token closing the transformer");
      const arg = this.argument();
      const transformer: Transformer = { kind: 'transformer', name, args, at };
      if (arg !== undefined) transformer.arg = arg;
      return transformer;
    } finally {
      this.depth--;
    }
  }

  private transformerArg(): TransformerArg {
    this.blanks();
    const at = this.pos;
    if (!this.eat('(')) return this.transformerItem();
    this.enter();
    try {
      const items: TransformerArg[] = [];
      this.blanks();
      if (this.eat(')')) return { kind: 'tlist', items, at };
      items.push(this.transformerItem());
      this.blanks();
      while (this.eat(',')) {
        this.blanks();
        items.push(this.transformerItem());
        this.blanks();
      }
      if (!this.eat(')')) this.fail("expected a ')' token closing the transformer argument list");
      return { kind: 'tlist', items, at };
    } finally {
      this.depth--;
    }
  }

  private transformerItem(): Operand | StringValue | NumberValue {
    const item = this.operand() ?? this.quoted() ?? this.number();
    if (item) return item;
    return this.fail('expected a transformer argument: a field, a transformer, a quoted string or a number');
  }

  private condition(left: Operand, at: number): CheckExpr {
    this.enter();
    try {
      this.blanks();
      if (this.eat('exists')) return { kind: 'check', op: 'exists', left, at };
      const numOp = this.eatAny(NUM_OPS);
      if (numOp) return { kind: 'check', op: numOp, left, right: this.numberRhs(), at };
      const strOp = this.eatAny(SYMBOL_STR_OPS) ?? this.wordOperator();
      if (strOp) return this.stringCheck(strOp, left, at);
      const listOp = this.eatAny(LIST_OPS);
      if (listOp) return { kind: 'check', op: listOp, left, right: this.listRhs(), at };
      return this.fail(`expected a valid check operator: one of ${OPERATOR_LIST}`);
    } finally {
      this.depth--;
    }
  }

  /** A word string operator; it must be followed by a blank (`containsabc` is no operator). */
  private wordOperator(): CheckOp | undefined {
    for (const op of WORD_STR_OPS) {
      if (this.text.startsWith(op, this.pos) && isBlank(this.text.charCodeAt(this.pos + op.length))) {
        this.take(this.pos + op.length);
        return op;
      }
    }
    return undefined;
  }

  private numberRhs(): RightValue {
    this.enter();
    try {
      this.blanks();
      const right = this.rhsTransformer() ?? this.number();
      if (right) return right;
      return this.fail(`expected a number value or a field with a valid transformer: ${TRANSFORMER_LIST}`);
    } finally {
      this.depth--;
    }
  }

  private stringCheck(op: CheckOp, left: Operand, at: number): CheckExpr {
    this.enter();
    try {
      // a symbol operator needs a blank before a modifier; a word operator always has one
      if (this.blanks()) {
        const modified = this.modifier();
        if (modified) return { kind: 'check', op, modifier: modified.modifier, left, right: modified.right, at };
      }
      const right = this.rhsTransformer() ?? this.quoted() ?? this.bare();
      if (right) return { kind: 'check', op, left, right, at };
      return this.fail(`expected a string value or a field with a valid transformer: ${TRANSFORMER_LIST}`);
    } finally {
      this.depth--;
    }
  }

  /**
   * `oneof|anyof|allof`, blanks, then a list or an identifier other than and/or/not. Anything else leaves
   * the word to be read as a plain string value (`x == oneof and y`), and nothing is taken.
   */
  private modifier(): { modifier: Modifier; right: ListValue | IdentValue } | null {
    // every modifier is five letters followed by a blank: test that before taking a slice of the text
    const wordEnd = this.pos + 5;
    if (!isBlank(this.text.charCodeAt(wordEnd))) return null;
    const word = this.text.slice(this.pos, wordEnd);
    if (!MODIFIER_WORDS.has(word)) return null;
    const next = scanBlanks(this.text, wordEnd);
    const isList = this.text.charCodeAt(next) === 0x28;
    const identEnd = isList ? next : scanIdentifier(this.text, next);
    if (!isList && (identEnd === next || BOOLEAN_WORDS.has(this.text.slice(next, identEnd)))) return null;
    this.take(wordEnd);
    this.pos = next;
    const right: ListValue | IdentValue = isList ? this.list() : { kind: 'ident', name: this.take(identEnd), at: next };
    return { modifier: word as Modifier, right };
  }

  private listRhs(): RightValue {
    this.enter();
    try {
      this.blanks();
      const at = this.pos;
      if (this.text.charCodeAt(at) === 0x28) return this.list();
      const transformer = this.rhsTransformer();
      if (transformer) return transformer;
      const end = scanIdentifier(this.text, at);
      if (end > at) return { kind: 'ident', name: this.take(end), at };
      return this.fail(`expected a list, an identifier, or a field with a valid transformer: ${TRANSFORMER_LIST}`);
    } finally {
      this.depth--;
    }
  }

  /** A list literal starting at the "(" at pos. */
  private list(): ListValue {
    const at = this.pos;
    this.take(at + 1);
    this.blanks();
    const items: StringValue[] = [];
    const first = this.quoted() ?? this.bare();
    if (first) {
      items.push(first);
      this.blanks();
      while (this.eat(',')) {
        this.blanks();
        const item = this.quoted() ?? this.bare();
        if (!item) this.fail('expected a string value');
        items.push(item);
        this.blanks();
      }
    }
    if (!this.eat(')')) this.fail("expected a ')' token");
    return { kind: 'list', items, at };
  }

  /** `val(field)` or a transformer at pos; null (nothing taken) when neither starts there. */
  private rhsTransformer(): Transformer | ValRef | null {
    const at = this.pos;
    if (this.eat('val(')) {
      this.enter();
      try {
        this.blanks();
        const fieldAt = this.pos;
        const end = scanFieldName(this.text, fieldAt);
        if (end === fieldAt) this.fail("expected a field within 'val' transformer");
        const field = this.fieldRest(this.take(end), fieldAt);
        this.blanks();
        if (!this.eat(')')) this.fail("expected a ')' token closing the transformer");
        const arg = this.argument();
        return arg === undefined ? { kind: 'val', field, at } : { kind: 'val', field, arg, at };
      } finally {
        this.depth--;
      }
    }
    const name = this.transformerName();
    return name ? this.transformerRest(name, at) : null;
  }

  /** A quoted string at pos; null (nothing taken) when there is none or it is not terminated. */
  private quoted(): StringValue | null {
    const at = this.pos;
    const c = this.text.charCodeAt(at);
    if (c !== 0x22 && c !== 0x27) return null;
    const end = scanQuotedEnd(this.text, at);
    if (end < 0) return null;
    const value = unescapeQuoted(this.text, at, end);
    this.pos = end;
    this.lastToken = value.value;
    return value;
  }

  private bare(): StringValue | null {
    const at = this.pos;
    const end = scanBareString(this.text, at);
    return end > at ? { kind: 'string', value: this.take(end), quoted: false, at } : null;
  }

  private number(): NumberValue | null {
    const at = this.pos;
    let end = scanHexNumber(this.text, at);
    if (end === at) end = scanNumber(this.text, at);
    return end > at ? { kind: 'number', text: this.take(end), at } : null;
  }
}
