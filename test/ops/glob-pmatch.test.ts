// glob/iglob (fnmatch without flags) and pmatch (component-wise path prefixes) edge cases.
import { describe, expect, it } from 'vitest';
import { compare } from './wasm-ops.js';

describe('glob', () => {
  it.each([
    // [pattern, value, glob, iglob]
    ['*', '', true, true],
    ['*', '/a/b', true, true],
    ['?', '', false, false],
    ['a?c', 'a/c', true, true],
    ['*.txt', '.hidden.txt', true, true],
    ['[!a]', 'b', true, true],
    ['[^a]', 'a', false, false],
    ['[]]', ']', true, true],
    ['[]a]x', 'ax', true, true],
    ['[a-]', '-', true, true],
    ['[!]]', ']', false, false],
    ['[', '[', true, true], // unterminated: '[' is an ordinary byte
    ['[a', '[a', true, true],
    ['\\', '\\', false, false], // trailing backslash matches nothing
    ['\\*', '*', true, true],
    ['\\*', 'x', false, false],
    ['[\\]]', ']', true, true],
    ['[[:digit:]]x', '7x', true, true],
    ['[[:alpha:]]*', '_a', false, false],
    ['[[:upper:]]', 'a', false, true],
    ['[A-Z]*', 'abc', false, true],
    ['MY*', 'myexe', false, true],
    ['a*b*c', 'aXbYbZc', true, true],
    ['a*b', 'ab/b', true, true],
    ['*a', 'bbb', false, false],
    ['', '', true, true],
    ['', 'a', false, false],
  ] as const)('%j vs %j', (pattern, value, glob, iglob) => {
    expect(compare('glob', value, pattern)).toBe(glob);
    expect(compare('iglob', value, pattern)).toBe(iglob);
  });

  it('has no exponential blow-up on many stars', () => {
    const value = 'a'.repeat(20_000);
    const started = performance.now();
    expect(compare('glob', value, 'a*a*a*a*a*a*a*a*b')).toBe(false);
    expect(compare('glob', value, '*a*a*a*a*a*a*a*a')).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('pmatch', () => {
  it.each([
    [['/var/run'], '/var/run/docker', true],
    [['/var/run'], '/var/run', true],
    [['/var/run'], '/var', false],
    [['/var/run'], '/var/runx', false],
    [[], '/var', false],
    [['/'], '', true],
    [['/api/v1'], '/api/v1/namespaces/default/pods?dryRun=All', true],
    [['/var/run'], 'var//run/x', true],
    [['/a/*/c', '/a/b'], '/a/x/c', true],
    [['/a/b/c', '/a/b'], '/a/b/z', true],
    [['/a/b', '/a/b/c'], '/a/b', true],
    [['/a/[bc]'], '/a/c/d', true],
    [['/a/b?'], '/a/b', false],
  ] as const)('%j vs %j', (paths, value, expected) => {
    expect(compare('pmatch', value, [...paths])).toBe(expected);
  });
});
