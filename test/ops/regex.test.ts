// The regex operator: RE2 POSIX syntax accepted/rejected by the TypeScript compiler, whole-value matching
// and linear-time execution in WebAssembly.
import { describe, expect, it } from 'vitest';
import { compileRegex, validateRegex } from '../../src/regex/regex.js';
import { regexMatches, regexMatches as match, runProgram } from './wasm-ops.js';

describe('validateRegex', () => {
  it.each([
    ['(', 'missing ): ('],
    ['a(b', 'missing ): a(b'],
    [')', 'unexpected ): )'],
    ['a)b', 'unexpected ): a)b'],
    ['*', 'no argument for repetition operator: *'],
    ['a|*', 'no argument for repetition operator: *'],
    ['(+a)', 'no argument for repetition operator: +'],
    ['{2}', 'no argument for repetition operator: {2}'],
    ['a{2,1}', 'invalid repetition size: {2,1}'],
    ['a{1001}', 'invalid repetition size: {1001}'],
    ['(a{100}){11}', 'invalid repetition size: {11}'],
    ['[a', 'missing ]: [a'],
    ['[]', 'missing ]: []'],
    ['[z-a]', 'invalid character class range: z-a'],
    ['[a-b-c]', 'invalid character class range: -c'],
    ['[[:foo:]]', 'invalid character class range: [:foo:]'],
    ['\\', 'trailing \\'],
    ['\\d', 'invalid escape sequence: \\d'],
    ['\\w+', 'invalid escape sequence: \\w'],
    ['\\s', 'invalid escape sequence: \\s'],
    ['a\\b', 'invalid escape sequence: \\b'],
    ['[\\d]', 'invalid escape sequence: \\d'],
    ['\\pL', 'invalid escape sequence: \\p'],
    ['\\1', 'invalid escape sequence: \\1'],
    ['\\xZZ', 'invalid escape sequence: \\xZZ'],
    ['\\x{110000}', 'invalid escape sequence: \\x{110000'],
    ['(?:a)', 'no argument for repetition operator: ?'],
    ['(?i)abc', 'no argument for repetition operator: ?'],
  ])('%j is rejected with %j', (pattern, message) => {
    expect(validateRegex(pattern)).toBe(message);
  });

  it('limits nesting depth', () => {
    expect(validateRegex('('.repeat(1001) + ')'.repeat(1001))).toBe('expression nests too deeply');
    expect(validateRegex('('.repeat(500) + 'a' + ')'.repeat(500))).toBeNull();
    expect(regexMatches('('.repeat(500) + 'a' + ')'.repeat(500), 'a')).toBe(true);
  });

  it.each([
    '', 'abc', 'a|', '()', '(|a)', 'a**', 'a*?', 'a+*', 'a{,3}', 'x{', 'a{2}{3}', '(a{100}){10}', '[]a]', '[^]a]',
    '[a-]', '[-a]', '[[:alpha:][:digit:]_]', '[[:^space:]]', '[\\]\\\\]', '\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$',
    '\\x41\\x{1F600}\\0\\012\\n\\t', '^$', '^*', 'é+', '[à-ü]', ']', '}', 'a{01}',
  ])('%j is valid', (pattern) => {
    expect(validateRegex(pattern)).toBeNull();
  });
});

describe('regex matching', () => {
  it.each([
    // [pattern, value, expected]
    ['rea', 'create', false],
    ['.*rea.*', 'create', true],
    ['cr.*', 'create', true],
    ['', '', true],
    ['', 'a', false],
    ['^abc$', 'abc', true],
    ['a^b', 'ab', false],
    ['a\n^b', 'a\nb', true], // ^ and $ are line anchors in RE2's POSIX mode
    ['a$\nb', 'a\nb', true],
    ['.', '\n', false],
    ['[^a]', '\n', true],
    ['a|b|', '', true],
    ['a|b|', 'b', true],
    ['(cat|dog)s?', 'dogs', true],
    ['(cat|dog)s?', 'cats!', false],
    ['a{2,3}', 'aaa', true],
    ['a{2,3}', 'aaaa', false],
    ['a{2,}', 'aaaaaa', true],
    ['a{0}b', 'b', true],
    ['a{,3}', 'a{,3}', true], // not a repetition: literal text
    ['x{', 'x{', true],
    ['[]a]+', ']a]', true],
    ['[a-]+', '-a-', true],
    ['[^]a]', ']', false],
    ['[[:alpha:]]+[[:digit:]]*', 'abc123', true],
    ['[[:^digit:]]+', 'abc', true],
    ['[[:^digit:]]+', 'ab1', false],
    ['[[:punct:]]', '!', true],
    ['[[:xdigit:]]+', 'DeadBeef', true],
    ['\\.', 'x', false],
    ['\\.', '.', true],
    ['a\\*b', 'a*b', true],
    ['research[0-9]+', 'research42', true],
    ['pentest-[0-9]{2,4}', 'pentest-1', false],
    ['pentest-[0-9]{2,4}', 'pentest-123', true],
    ['a*?', 'aaa', true],
  ] as const)('%j on %j → %s', (pattern, value, expected) => {
    expect(regexMatches(pattern, value)).toBe(expected);
    expect(regexMatches(pattern, value, true)).toBe(expected);
  });

  it.each([false, true])('matches UTF-8 characters as wholes (nfaOnly: %s)', (nfaOnly) => {
    const regexMatches = (p: string, v: string | Uint8Array): boolean => match(p, v, nfaOnly);
    expect(regexMatches('.', 'é')).toBe(true);
    expect(regexMatches('..', 'é')).toBe(false);
    expect(regexMatches('.', '😀')).toBe(true);
    expect(regexMatches('[à-ü]', 'é')).toBe(true);
    expect(regexMatches('[à-ü]', 'e')).toBe(false);
    expect(regexMatches('[^a]', '€')).toBe(true);
    expect(regexMatches('\\x{20AC}', '€')).toBe(true);
    expect(regexMatches('caf.', 'café')).toBe(true);
    expect(regexMatches('é+', 'ééé')).toBe(true);
    expect(regexMatches('[^\\x00-\\x{10FFFF}]', 'a')).toBe(false);
    // a byte that is not valid UTF-8 is matched by nothing
    expect(regexMatches('.', new Uint8Array([0xff]))).toBe(false);
    expect(regexMatches('a.*', new Uint8Array([0x61, 0xc3]))).toBe(false);
  });

  it.each([false, true])('runs in linear time on patterns that explode backtracking engines (nfaOnly: %s)', (nfaOnly) => {
    const regexMatches = (p: string, v: string): boolean => match(p, v, nfaOnly);
    const as = 'a'.repeat(100_000);
    const started = performance.now();
    expect(regexMatches('(a*)*b', as)).toBe(false);
    expect(regexMatches('(a+)+$', as + '!')).toBe(false);
    expect(regexMatches('(a|aa)*c', as)).toBe(false);
    expect(regexMatches('(a|a)*', as)).toBe(true);
    expect(regexMatches('(.*a){20}', as)).toBe(true);
    expect(regexMatches('(x+x+)+y', 'x'.repeat(100_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it.each([false, true])('agrees with JavaScript RegExp on random ASCII patterns (nfaOnly: %s)', (nfaOnly) => {
    // Deterministic generator over a syntax where RE2 POSIX and JS agree: literals, ., classes, groups,
    // alternation, * + ? and {m,n}; no anchors (JS ^/$ are not line anchors without the m flag).
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 16) % n; // the low bits of this generator are not random
    };
    const atom = (depth: number): string => {
      switch (rand(depth > 2 ? 4 : 6)) {
        case 0: return 'a';
        case 1: return 'b';
        case 2: return '.';
        case 3: return ['[ab]', '[^a]', '[a-c]', '[^b-c]'][rand(4)];
        default: return `(${alt(depth + 1)})`;
      }
    };
    const rep = (depth: number): string => atom(depth) + ['', '', '*', '+', '?', '{1,2}', '{2}', '{0,}'][rand(8)];
    const cat = (depth: number): string => Array.from({ length: 1 + rand(3) }, () => rep(depth)).join('');
    const alt = (depth: number): string => (rand(4) === 0 ? `${cat(depth)}|${cat(depth)}` : cat(depth));
    const values = ['', 'a', 'b', 'c', 'ab', 'ba', 'aab', 'abab', 'bbb', 'abcab', 'aaaa', 'cab', 'baba'];
    for (let i = 0; i < 300; i++) {
      const pattern = alt(0);
      const js = new RegExp(`^(?:${pattern})$`);
      const program = compileRegex(pattern, { nfaOnly });
      for (const v of values) {
        expect({ pattern, v, got: runProgram(program, v) }).toEqual({ pattern, v, got: js.test(v) });
      }
    }
  });
});
