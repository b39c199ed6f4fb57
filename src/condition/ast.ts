// The condition AST: plain data, one node kind per grammar production (see parser.ts for the grammar).
// Every node carries the offset of its first character in the condition text it was parsed from, so errors
// can point at it. Macro references are replaced by the macros' ASTs during resolution (rules/resolver.ts);
// after that, only 'and' | 'or' | 'not' | 'check' nodes remain.

/** Offset of the node's first character in the condition text (0-based, UTF-16 code units). */
export type Offset = number;

export type Expr = AndExpr | OrExpr | NotExpr | CheckExpr | MacroRef;

export interface AndExpr { kind: 'and'; children: Expr[]; at: Offset }
export interface OrExpr { kind: 'or'; children: Expr[]; at: Offset }
export interface NotExpr { kind: 'not'; child: Expr; at: Offset }
/** An identifier standing as a whole check: a macro reference. */
export interface MacroRef { kind: 'macro'; name: string; at: Offset }

export type UnaryOp = 'exists';
export type NumOp = '<' | '<=' | '>' | '>=';
export type StrOp = '=' | '==' | '!=' | 'contains' | 'icontains' | 'bcontains' | 'startswith' | 'bstartswith'
  | 'endswith' | 'glob' | 'iglob' | 'regex';
export type ListOp = 'in' | 'intersects' | 'pmatch';
export type CheckOp = UnaryOp | NumOp | StrOp | ListOp;
export type Modifier = 'oneof' | 'anyof' | 'allof';

export interface CheckExpr {
  kind: 'check';
  op: CheckOp;
  /** Only with a string operator: `x = oneof (a, b)`. */
  modifier?: Modifier;
  left: Operand;
  /** Absent for `exists`. */
  right?: RightValue;
  at: Offset;
}

/** A field, optionally with an argument: `ka.uri.param[command]`; `arg` is undefined when there is none. */
export interface FieldRef { kind: 'field'; name: string; arg?: string; at: Offset }

export type TransformerName = 'tolower' | 'toupper' | 'b64' | 'basename' | 'len' | 'join' | 'concat' | 'getopt';
export interface Transformer { kind: 'transformer'; name: TransformerName; args: TransformerArg[]; arg?: string; at: Offset }
export type Operand = FieldRef | Transformer;

/**
 * A quoted or bare string constant, already unescaped. `\xHH` escapes: when the decoded bytes are ASCII or
 * valid UTF-8, `value` is ordinary text; otherwise `bytes` is true and `value` is a byte string, one
 * character U+0000-U+00FF per byte (escape.ts stringValueBytes gives the bytes either way). A quoted field
 * argument (`FieldRef.arg`) is decoded the same way; it has no flag, so an argument whose byte escapes are
 * not valid UTF-8 is indistinguishable from Latin-1 text.
 */
export interface StringValue { kind: 'string'; value: string; quoted: boolean; bytes?: boolean; at: Offset }
/** A number token, kept as written (its meaning depends on the field type). */
export interface NumberValue { kind: 'number'; text: string; at: Offset }
/** `(a, b, c)`: items are string constants. */
export interface ListValue { kind: 'list'; items: StringValue[]; at: Offset }
/** An identifier on the right of a list operator or modifier (a list name that survived substitution). */
export interface IdentValue { kind: 'ident'; name: string; at: Offset }
/** `val(field)`: field-to-field comparison with a plain field. */
export interface ValRef { kind: 'val'; field: FieldRef; arg?: string; at: Offset }
/** A parenthesised list inside a transformer's arguments: `join(",", (a.b, "x"))`. */
export interface TransformerList { kind: 'tlist'; items: TransformerArg[]; at: Offset }

export type RightValue = StringValue | NumberValue | ListValue | IdentValue | ValRef | Transformer;
export type TransformerArg = Operand | StringValue | NumberValue | TransformerList;
