// The parse cases of the shared conformance data (rules-language cases.json, kind "parse"), plus the
// parser's robustness guarantees: whitespace variants, round trips, deep nesting and huge inputs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CheckExpr, Expr, StringValue } from '../../src/condition/ast.js';
import { stringValueBytes } from '../../src/condition/escape.js';
import { ConditionSyntaxError, parseCondition, parseFieldArgument, parseOperandPrefix, scanFieldName } from '../../src/condition/parser.js';
import { printExpr } from '../../src/condition/printer.js';
import { scanQuotedEnd } from '../../src/condition/scan.js';
import { describeShared, HAS_SHARED, shared } from '../shared-data.js';

interface ParseCase { kind: string; condition: string; ok: boolean; ast?: string; ast_asserted?: boolean; value?: string; error?: string; feature?: string }

const cases = HAS_SHARED
  ? (JSON.parse(readFileSync(shared('conformance/rules-language/cases.json'), 'utf8')) as ParseCase[]).filter((c) => c.kind === 'parse')
  : [];

/** Parses, returning the AST or the error. */
function attempt(text: string): Expr | ConditionSyntaxError {
  try {
    return parseCondition(text);
  } catch (e) {
    if (e instanceof ConditionSyntaxError) return e;
    throw e;
  }
}

// Every `ast` is compared (not only the `ast_asserted` ones), errors must match exactly, and cases marked
// with a `feature` (modifiers, join/concat) run like the others.
describeShared('conformance parse cases', () => {
  it('has the 554 cases', () => expect(cases.length).toBe(554));

  it.each(cases.map((c, i) => [i, c.condition, c] as const))('#%i %j', (_i, text, c) => {
    const r = attempt(text);
    if (!c.ok) {
      expect(r).toBeInstanceOf(ConditionSyntaxError);
      if (c.error !== undefined) expect((r as Error).message).toBe(c.error);
      return;
    }
    if (r instanceof ConditionSyntaxError) throw new Error(`rejected at ${r.offset}: ${r.message}`);
    if (c.ast !== undefined) expect(printExpr(r)).toBe(c.ast);
    if (c.value !== undefined) {
      const right = (r as CheckExpr).right;
      expect(right?.kind).toBe('string');
      expect(right?.kind === 'string' ? right.value : undefined).toBe(c.value);
    }
  });
});

/** Replaces each space outside quoted strings with `ws` (quoted strings found as the parser finds them). */
function swapBlanks(text: string, ws: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const end = scanQuotedEnd(text, i);
      if (end < 0) return out + text.slice(i);
      out += text.slice(i, end);
      i = end - 1;
    } else {
      out += c === ' ' ? ws : c;
    }
  }
  return out;
}

const outcome = (text: string): string => {
  const r = attempt(text);
  return r instanceof ConditionSyntaxError ? 'error' : printExpr(r);
};

describe('whitespace variants', () => {
  // every blank of the grammar accepts tabs and newlines too, so the outcome must not change
  describeShared('over the conformance parse cases', () => {
    it.each(['\t', '\n', ' \t\n '])('spaces outside quotes swapped for %j', (ws) => {
      const differing = cases.filter((c) => outcome(swapBlanks(c.condition, ws)) !== outcome(c.condition)).map((c) => c.condition);
      expect(differing).toEqual([]);
    });
  });

  it('requires a blank after a word operator but not after in/exists', () => {
    expect(outcome('a.b contains\tx')).toBe('a.b contains x');
    expect(outcome('a.b contains\nx')).toBe('a.b contains x');
    expect(outcome('a.b inside')).toBe('a.b in side');
  });

  it('accepts form feed and vertical tab after not, but does not skip them elsewhere', () => {
    expect(outcome('not\fa')).toBe('not a');
    expect(outcome('not\va')).toBe('not a');
    expect(outcome('a and\fb')).toBe('error');
  });
});

describeShared('round trip', () => {
  it('the canonical print is a fixpoint whenever it re-parses', () => {
    let reparsed = 0;
    for (const c of cases.filter((k) => k.ok)) {
      const printed = outcome(c.condition);
      // not-parity folds `not not x`, so such prints legitimately change on re-parse
      if (printed.includes('not not')) continue;
      const again = outcome(printed);
      if (again === 'error') continue; // the print does not always re-parse (spec 2.3): join(,,(…)), `x = `
      reparsed++;
      expect(again, c.condition).toBe(printed);
    }
    expect(reparsed).toBeGreaterThanOrEqual(286); // of the 350 accepted cases
  });
});

describe('AST shape', () => {
  it('keeps a parenthesised group as its own child and chains the same operator n-ary', () => {
    expect(outcome('(a and b) and c')).toBe('((a and b) and c)');
    expect(outcome('a and b and c or d or e')).toBe('((a and b and c) or d or e)');
    expect(outcome('not a.b=1 and c')).toBe('(not a.b = 1 and c)');
    expect(outcome('not not not(x)')).toBe('not x');
  });

  it('records offsets of nodes', () => {
    const e = parseCondition('  not x.y[k] = "v" and m') as Expr;
    expect(e).toMatchObject({ kind: 'and', at: 2 });
    if (e.kind !== 'and') throw new Error('and expected');
    expect(e.children[0]).toMatchObject({ kind: 'not', at: 2, child: { kind: 'check', at: 6, left: { name: 'x.y', arg: 'k', at: 6 }, right: { value: 'v', quoted: true, at: 15 } } });
    expect(e.children[1]).toEqual({ kind: 'macro', name: 'm', at: 23 });
  });

  it('parses modifiers, val(), transformer lists and arguments', () => {
    expect(parseCondition('x.y == oneof (a, "b c")')).toMatchObject({ op: '==', modifier: 'oneof', right: { kind: 'list', items: [{ value: 'a', quoted: false }, { value: 'b c', quoted: true }] } });
    expect(parseCondition('x.y != allof lst')).toMatchObject({ op: '!=', modifier: 'allof', right: { kind: 'ident', name: 'lst' } });
    expect(parseCondition('x.y = oneof')).toMatchObject({ op: '=', right: { kind: 'string', value: 'oneof' } });
    expect(parseCondition('x.y = val(a.b[1])')).toMatchObject({ right: { kind: 'val', field: { name: 'a.b', arg: '1' } } });
    expect(parseCondition('concat(a.b, "-", 12, len(c.d))[k] exists')).toMatchObject({
      op: 'exists',
      left: { kind: 'transformer', name: 'concat', arg: 'k', args: [{ kind: 'field' }, { kind: 'string', value: '-' }, { kind: 'number', text: '12' }, { kind: 'transformer', name: 'len' }] },
    });
    expect(parseCondition('x.y[""] exists')).toMatchObject({ left: { arg: '' } });
    expect(parseCondition('x.y exists')).not.toHaveProperty('left.arg');
  });

  it('decodes escapes, and keeps invalid UTF-8 byte escapes as a flagged byte string', () => {
    const value = (t: string) => (parseCondition(`x.y = ${t}`) as CheckExpr).right;
    expect(value('"a\\tb\\/c\\\\d\\ e"')).toMatchObject({ value: 'a\tb/c\\d\\e' });
    expect(value('"\\xc3\\xa9"')).toEqual({ kind: 'string', value: 'é', quoted: true, at: 6 });
    expect(value('"é\\xff"')).toEqual({ kind: 'string', value: '\u00c3\u00a9\u00ff', quoted: true, bytes: true, at: 6 });
    expect([...stringValueBytes(value('"é\\xff"') as StringValue)]).toEqual([0xc3, 0xa9, 0xff]);
    expect([...stringValueBytes(value('"é"') as StringValue)]).toEqual([0xc3, 0xa9]);
    expect([...stringValueBytes(value('"€😀\\x80"') as StringValue)]).toEqual([0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0x80]);
    expect(value('"\\x00"')).toMatchObject({ value: '\0' });
  });

  it('prints with esc()', () => {
    expect(outcome('x.y = "a\\tb"')).toBe('x.y = "a\\tb"');
    expect(outcome('x.y = "a=b"')).toBe('x.y = "a=b"');
    expect(outcome('x.y = "it\'s"')).toBe('x.y = "it\'s"');
    expect(outcome('x.y = "a,b(c)"')).toBe('x.y = a,b(c)');
    expect(outcome('x.y in ("a b", c)')).toBe('x.y in ("a b", c)');
  });
});

describe('errors', () => {
  const error = (text: string, opts?: { maxDepth?: number }) => {
    try {
      parseCondition(text, opts);
    } catch (e) {
      if (e instanceof ConditionSyntaxError) return { message: e.message, offset: e.offset };
      throw e;
    }
    throw new Error(`accepted: ${text}`);
  };

  it('uses the messages of spec 2.1 with offsets', () => {
    expect(error('')).toEqual({ message: 'filter input string is empty', offset: 0 });
    expect(error('a.b = x y')).toEqual({ message: "unexpected token after 'x', expecting 'or', 'and'", offset: 8 });
    expect(error('(a')).toEqual({ message: "expected a ')' token", offset: 2 });
    expect(error('a andb')).toEqual({ message: "expected blank or '(' after 'and'", offset: 5 });
    expect(error('a orb')).toEqual({ message: "expected blank or '(' after 'or'", offset: 4 });
    expect(error('a.b foo').message).toMatch(/^expected a valid check operator: one of 'exists', /);
    expect(error('  ')).toEqual({ message: "expected a '(' token, a field check, or an identifier", offset: 2 });
    expect(error('x.y = "\\q"')).toEqual({ message: 'unsupported string escape sequence: \\q', offset: 7 });
  });

  it('counts about five frames per parenthesis level against the depth limit', () => {
    const nested = (n: number) => `${'('.repeat(n)}a${')'.repeat(n)}`;
    expect(outcome(nested(19))).toBe('a');
    expect(error(nested(20)).message).toBe('exceeded max depth limit of 100');
    expect(printExpr(parseCondition(nested(199), { maxDepth: 1000 }))).toBe('a');
    expect(error(nested(200), { maxDepth: 1000 }).message).toBe('exceeded max depth limit of 1000');
  });
});

describe('robustness', () => {
  const timed = <T>(f: () => T): { result: T; ms: number } => {
    const t0 = performance.now();
    const result = f();
    return { result, ms: performance.now() - t0 };
  };
  const outcomeOf = (text: string, maxDepth?: number) => {
    try {
      return parseCondition(text, { maxDepth });
    } catch (e) {
      if (e instanceof ConditionSyntaxError) return e;
      throw e;
    }
  };

  it.each([100, 1000])('rejects 10,000-deep parentheses and transformers cleanly (maxDepth %i)', (maxDepth) => {
    for (const text of [`${'('.repeat(10_000)}a${')'.repeat(10_000)}`, `${'tolower('.repeat(10_000)}a.b${')'.repeat(10_000)} exists`, 'not('.repeat(10_000)]) {
      const { result, ms } = timed(() => outcomeOf(text, maxDepth));
      expect(result).toBeInstanceOf(ConditionSyntaxError);
      expect((result as Error).message).toBe(`exceeded max depth limit of ${maxDepth}`);
      expect(ms).toBeLessThan(1000);
    }
  });

  // The bound guards against super-linear lexing and stack overflows (either would take minutes or crash);
  // on an idle machine each of these takes 0.05-0.6 s, but the box is shared, so the bound leaves room.
  const BOUND_MS = 3000;
  const MB10 = 10 * 1024 * 1024;
  // inputs are built inside each test: built up front, all of them would stay alive and slow the GC
  it.each([
    ['a long or-chain', () => 'ka.verb = get or '.repeat(MB10 / 17) + 'm', 'or'],
    ['a long not-chain', () => 'not '.repeat(MB10 / 4) + 'm', 'macro'],
    ['a long quoted string', () => `x.y = "${'ab\\n'.repeat(MB10 / 4)}"`, 'check'],
    ['a long quoted byte string', () => `x.y = "${'é\\xff'.repeat(MB10 / 5)}"`, 'check'],
    ['a long bare string', () => `x.y = ${'a'.repeat(MB10)}`, 'check'],
    ['a long list', () => `x.y in (${'abcdefg, '.repeat(MB10 / 9)}z)`, 'check'],
    ['many quoted strings', () => `x.y in (${'"ab", '.repeat(MB10 / 6)}"z") and x.y = "\\q"`, 'error'],
    ['an unterminated quote', () => `x.y = "${'a'.repeat(MB10)}`, 'error'],
    ['a long identifier', () => 'a'.repeat(MB10), 'macro'],
  ] as const)('parses a 10 MB condition quickly: %s', (_name, build, kind) => {
    const text = build();
    const { result, ms } = timed(() => outcomeOf(text));
    expect(result instanceof ConditionSyntaxError ? 'error' : result.kind).toBe(kind);
    expect(ms).toBeLessThan(BOUND_MS);
  });
});

describe('operand prefixes (output format tokens)', () => {
  it('parses a field or transformer at an offset and reports its end', () => {
    expect(parseOperandPrefix('x %ka.uri.param[command] y', 3)).toEqual({ operand: { kind: 'field', name: 'ka.uri.param', arg: 'command', at: 3 }, end: 24 });
    expect(parseOperandPrefix('%tolower(ka.verb)!', 1)).toMatchObject({ operand: { kind: 'transformer', name: 'tolower' }, end: 17 });
    expect(parseOperandPrefix('%ka.verbx', 1)).toMatchObject({ operand: { name: 'ka.verbx' }, end: 9 });
    expect(parseOperandPrefix('%verb', 1)).toBeNull();
    expect(parseOperandPrefix('%tolower (x.y)', 1)).toBeNull();
    expect(() => parseOperandPrefix('%x.y[', 1)).toThrow(ConditionSyntaxError);
  });

  it('exposes the field-name scanner and the argument parser for longest-registered-prefix lookups', () => {
    expect(scanFieldName('%ka.target.name/%ka.x', 1)).toBe(15);
    expect(scanFieldName('%verb', 1)).toBe(1);
    expect(scanFieldName('a.b.1', 0)).toBe(3);
    expect(parseFieldArgument('jevt.value[/a/0]x', 10)).toEqual({ arg: '/a/0', end: 16 });
    expect(parseFieldArgument("x.y['a b']", 3)).toEqual({ arg: 'a b', end: 10 });
    expect(parseFieldArgument('x.y z', 3)).toBeNull();
    expect(() => parseFieldArgument('x.y[]', 3)).toThrow('expected a valid field argument: a quoted string or a bare string');
  });
});
