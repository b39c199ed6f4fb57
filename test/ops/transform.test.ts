// Transformers evaluated in WebAssembly (spec 2.2).
import { describe, expect, it } from 'vitest';
import { Xf } from '../../src/compile/opcodes.js';
import { transform } from './wasm-ops.js';

const text = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

describe('transformers', () => {
  it('tolower/toupper change ASCII letters only', () => {
    expect(text(transform(Xf.TOLOWER, 'HeLLo É-Z'))).toBe('hello É-z');
    expect(text(transform(Xf.TOUPPER, "hello 'quoted' é"))).toBe("HELLO 'QUOTED' é");
    expect(text(transform(Xf.TOUPPER, ''))).toBe('');
  });

  it.each([
    ['/home/ubuntu/hello.txt', 'hello.txt'],
    ['/a/', ''],
    ['/', ''],
    ['a', 'a'],
    ['', ''],
    ['a/b', 'b'],
  ])('basename(%j) = %j', (value, expected) => {
    expect(text(transform(Xf.BASENAME, value))).toBe(expected);
  });

  it.each([
    ['aGVsbG8=', 'hello'],
    ['aGVsbG8', 'hello'],
    ['YWFhYmJi', 'aaabbb'],
    ['YQ==', 'a'],
    ['YQ', 'a'],
    ['YWI=', 'ab'],
    ['', ''],
    ['+/+/', '\ufffd\ufffd\ufffd'], // bytes fb ff bf: not UTF-8, decoded lossily here
  ])('b64(%j) = %j', (value, expected) => {
    expect(text(transform(Xf.B64, value))).toBe(expected);
  });

  it.each(['/home/ubuntu/hello.txt', 'aGVsbG8==', 'a', 'YQ=', 'aGVs bG8=', 'aG=Vs', '===='])(
    'b64(%j) has no value', (value) => {
      expect(transform(Xf.B64, value)).toBeNull();
    },
  );
});
