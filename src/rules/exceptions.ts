// Rule exceptions (rules-language.md 4.7): validation with Falco's defaults at definition time, and the
// text Falco appends to the rule condition (" and not ..."). Exceptions are built as text, values pasted
// unescaped, exactly as Falco does, so quirks such as field-to-field values carry over.
import type { Location } from '../core/errors.js';
import { MODIFIERS, operator } from '../condition/operators.js';
import { checkOperandText } from '../condition/typecheck.js';
import { LoadFailure } from './load-failure.js';

/** A decoded exception value: a scalar (`item`) or a sequence (`items`). Falco's rule_exception_info::entry. */
export interface ExceptionEntry { isList: boolean; item: string; items: ExceptionEntry[] }

export interface ExceptionInfo {
  name: string;
  fields: ExceptionEntry;
  comps: ExceptionEntry;
  values: ExceptionEntry[];
  where: Location;
}

export const emptyEntry = (): ExceptionEntry => ({ isList: false, item: '', items: [] });

/** `startswith oneof`: a string operator, blanks, a modifier. */
export function isModifierOperator(comp: string): boolean {
  const parts = comp.trim().split(/\s+/);
  return parts.length === 2 && operator(parts[0]!)?.rhs === 'string' && (MODIFIERS as readonly string[]).includes(parts[1]!);
}

function isSupportedOperator(comp: string): boolean {
  return operator(comp) !== undefined || isModifierOperator(comp);
}

/** Operators whose right side is a set: a scalar value is parenthesised for them. */
function takesList(comp: string): boolean {
  return operator(comp)?.rhs === 'list' || isModifierOperator(comp);
}

const entryValid = (e: ExceptionEntry) => (e.isList ? e.items.length > 0 : e.item !== '');

function fail(message: string, ex: ExceptionInfo): never {
  throw new LoadFailure('LOAD_ERR_VALIDATE', message, ex.where);
}

/** Falco's validate_exception_info: fills in default comps and checks them; fields only for a known source. */
export function validateException(ex: ExceptionInfo, checkFields: boolean): void {
  if (ex.fields.isList) {
    if (!entryValid(ex.comps)) {
      ex.comps = { isList: true, item: '', items: ex.fields.items.map(() => ({ isList: false, item: '=', items: [] })) };
    }
    if (ex.fields.items.length !== ex.comps.items.length) fail('Fields and comps lists must have equal length', ex);
    for (const c of ex.comps.items) {
      c.item = c.item.trim();
      if (!isSupportedOperator(c.item)) fail(`'${c.item}' is not a supported comparison operator`, ex);
    }
    if (checkFields) {
      for (const f of ex.fields.items) {
        if (checkOperandText(f.item) !== null) fail(`'${f.item}' is not a supported filter field`, ex);
      }
    }
  } else {
    if (!entryValid(ex.comps)) ex.comps = { isList: false, item: 'in', items: [] };
    if (ex.comps.isList) fail('Fields and comps must both be strings', ex);
    ex.comps.item = ex.comps.item.trim();
    if (!takesList(ex.comps.item)) {
      fail('When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)', ex);
    }
    if (checkFields && checkOperandText(ex.fields.item) !== null) fail(`'${ex.fields.item}' is not a supported filter field`, ex);
  }
}

/** Falco's quote_item: only values with a space get quotes, and nothing inside is escaped. */
export function quoteItem(s: string): string {
  return s.includes(' ') && s[0] !== '"' && s[0] !== "'" ? `"${s}"` : s;
}

function parenItem(s: string): string {
  return s[0] === '(' ? s : `(${s})`;
}

/** The rule condition with its exceptions: `(cond) and not X1 and not X2 ...`. */
export function conditionWithExceptions(condition: string, exceptions: ExceptionInfo[]): string {
  let out = `(${condition})`;
  for (const ex of exceptions) {
    const x = ex.fields.isList ? tupleText(ex) : singleText(ex);
    if (x !== '') out += ` and not ${x}`;
  }
  return out;
}

function singleText(ex: ExceptionInfo): string {
  if (ex.values.length === 0) return '';
  const vals = ex.values.map((v) => {
    if (v.isList) fail('Expected values array to contain a list of strings', ex);
    return quoteItem(v.item);
  });
  return `(${ex.fields.item} ${ex.comps.item} (${vals.join(', ')}))`;
}

function tupleText(ex: ExceptionInfo): string {
  const alternatives = ex.values.map((tuple) => {
    if (ex.fields.items.length !== tuple.items.length) fail('Fields and values lists must have equal length', ex);
    const checks = ex.fields.items.map((field, k) => {
      const v = tuple.items[k]!;
      const comp = ex.comps.items[k]?.item ?? '';
      let text: string;
      if (v.isList) text = `(${v.items.map((i) => quoteItem(i.item)).join(', ')})`;
      else text = takesList(comp) ? parenItem(v.item) : quoteItem(v.item);
      return ` ${field.item} ${comp} ${text}`;
    });
    return `(${checks.join(' and ')})`;
  });
  return alternatives.length ? `(${alternatives.join(' or ')})` : '';
}
