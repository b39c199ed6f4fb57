// The condition AST: plain data, one node kind per grammar production (see parser.ts for the grammar).
// Every node carries the offset of its first character in the condition text it was parsed from, so errors
// can point at it. Macro references are replaced by the macros' ASTs during resolution (rules/resolver.ts);
// after that, only 'and' | 'or' | 'not' | 'check' nodes remain.
import type { MODIFIERS, OperatorText } from './operators.js';

/** Offset of the node's first character in the condition text (0-based, UTF-16 code units). */
export type Offset = number;

/** A condition: its boolean structure, with checks as leaves. */
export type Expr = AndExpr | OrExpr | NotExpr | CheckExpr | MacroRef;

/** `a and b and ...`. */
export interface AndExpr {
  /** The node kind. */
  kind: 'and';
  /** The operands, in order. */
  children: Expr[];
  /** Where it starts in the condition text. */
  at: Offset;
}
/** `a or b or ...`. */
export interface OrExpr {
  /** The node kind. */
  kind: 'or';
  /** The operands, in order. */
  children: Expr[];
  /** Where it starts in the condition text. */
  at: Offset;
}
/** `not a`. */
export interface NotExpr {
  /** The node kind. */
  kind: 'not';
  /** The negated expression. */
  child: Expr;
  /** Where it starts in the condition text. */
  at: Offset;
}
/** An identifier standing as a whole check: a macro reference. */
export interface MacroRef {
  /** The node kind. */
  kind: 'macro';
  /** The macro's name. */
  name: string;
  /** Where it starts in the condition text. */
  at: Offset;
}

/** Operators with no right-hand side. */
export type UnaryOp = OperatorText<'none'>;
/** Numeric comparisons. */
export type NumOp = OperatorText<'number'>;
/** String comparisons (and `=`/`!=`, which compare numbers too). */
export type StrOp = OperatorText<'string'>;
/** Operators whose right-hand side is a list. */
export type ListOp = OperatorText<'list'>;
/** Every comparison operator of the condition language (the table in operators.ts). */
export type CheckOp = UnaryOp | NumOp | StrOp | ListOp;
/** String-operator modifiers: `ka.uri startswith anyof (a, b)`. */
export type Modifier = (typeof MODIFIERS)[number];

/** A comparison: `left op right`, or `left exists`. */
export interface CheckExpr {
  /** The node kind. */
  kind: 'check';
  /** The operator. */
  op: CheckOp;
  /** Only with a string operator: `x = oneof (a, b)`. */
  modifier?: Modifier;
  /** The field (or transformer) compared. */
  left: Operand;
  /** Absent for `exists`. */
  right?: RightValue;
  /** Where it starts in the condition text. */
  at: Offset;
}

/** A field, optionally with an argument: `ka.uri.param[command]`; `arg` is undefined when there is none. */
export interface FieldRef {
  /** The node kind. */
  kind: 'field';
  /** The field's name, e.g. ka.uri.param. */
  name: string;
  /** Its argument (unescaped), e.g. command. */
  arg?: string;
  /** Where it starts in the condition text. */
  at: Offset;
}

/** The transformers of the condition language. */
export type TransformerName = 'tolower' | 'toupper' | 'b64' | 'basename' | 'len' | 'join' | 'concat' | 'getopt';
/** `tolower(ka.user.name)` and the like: a transformer applied to its arguments. */
export interface Transformer {
  /** The node kind. */
  kind: 'transformer';
  /** Which transformer. */
  name: TransformerName;
  /** Its arguments, in order. */
  args: TransformerArg[];
  /** An index or key applied to its result (`join(...)[0]`), when given. */
  arg?: string;
  /** Where it starts in the condition text. */
  at: Offset;
}
/** The left side of a check: a field, or a transformer of fields. */
export type Operand = FieldRef | Transformer;

/**
 * A quoted or bare string constant, already unescaped. `\xHH` escapes: when the decoded bytes are ASCII or
 * valid UTF-8, `value` is ordinary text; otherwise `bytes` is true and `value` is a byte string, one
 * character U+0000-U+00FF per byte (escape.ts stringValueBytes gives the bytes either way). A quoted field
 * argument (`FieldRef.arg`) is decoded the same way; it has no flag, so an argument whose byte escapes are
 * not valid UTF-8 is indistinguishable from Latin-1 text.
 */
export interface StringValue {
  /** The node kind. */
  kind: 'string';
  /** The text (or, with `bytes`, one character per byte). */
  value: string;
  /** Written in quotes. */
  quoted: boolean;
  /** `value` is a byte string (byte escapes that are not UTF-8). */
  bytes?: boolean;
  /** Where it starts in the condition text. */
  at: Offset;
}
/** A number token, kept as written (its meaning depends on the field type). */
export interface NumberValue {
  /** The node kind. */
  kind: 'number';
  /** The number as written. */
  text: string;
  /** Where it starts in the condition text. */
  at: Offset;
}
/** `(a, b, c)`: items are string constants. */
export interface ListValue {
  /** The node kind. */
  kind: 'list';
  /** The items, in order. */
  items: StringValue[];
  /** Where it starts in the condition text. */
  at: Offset;
}
/** An identifier on the right of a list operator or modifier (a list name that survived substitution). */
export interface IdentValue {
  /** The node kind. */
  kind: 'ident';
  /** The identifier. */
  name: string;
  /** Where it starts in the condition text. */
  at: Offset;
}
/** `val(field)`: field-to-field comparison with a plain field. */
export interface ValRef {
  /** The node kind. */
  kind: 'val';
  /** The field whose value is compared with. */
  field: FieldRef;
  /** An index or key written after it (`val(field)[0]`), when given. */
  arg?: string;
  /** Where it starts in the condition text. */
  at: Offset;
}
/** A parenthesised list inside a transformer's arguments: `join(",", (a.b, "x"))`. */
export interface TransformerList {
  /** The node kind. */
  kind: 'tlist';
  /** The items, in order. */
  items: TransformerArg[];
  /** Where it starts in the condition text. */
  at: Offset;
}

/** The right side of a check. */
export type RightValue = StringValue | NumberValue | ListValue | IdentValue | ValRef | Transformer;
/** An argument of a transformer. */
export type TransformerArg = Operand | StringValue | NumberValue | TransformerList;
