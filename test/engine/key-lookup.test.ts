// Key lookups (assembly/json.ts objectGet) give fastjson's answer: the first member whose key matches, raw key
// texts tried before unescaped ones, nothing for a missing key, and nothing left over from the document before,
// in objects of any size (the root of an audit event has about 17 members) and with keys of any length.
import { describe, expect, it } from 'vitest';
import { FieldExtractor, type FieldSpec } from '../../src/engine/extractor.js';
import { findField } from '../../src/fields/registry.js';

const valueAt = (key: string): FieldSpec => {
  const ptr = `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
  return { text: `json.value[${ptr}]`, field: findField('json.value')!, key: ptr, index: -1n };
};

/** Keys of many lengths, several of each length (a length alone does not find the key). */
const keyName = (i: number) => `${'k'.repeat(1 + (i % 7))}${i}`;

describe('key lookups', () => {
  const x = new FieldExtractor();

  it('every key of roots of 0 to 100 members, and a missing one', () => {
    for (const n of [0, 1, 2, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100]) {
      const keys = Array.from({ length: n }, (_, i) => keyName(i));
      const doc = Object.fromEntries(keys.map((k, i) => [k, `v${i}`]));
      const text = JSON.stringify(doc);
      const got = x.extract(text, [...keys, 'missing', keyName(n)].map(valueAt));
      expect([n, got]).toEqual([n, [...keys.map((_, i) => `v${i}`), null, null]]);
    }
  });

  it('the first of duplicate keys, wherever the copies are', () => {
    for (const [first, second] of [[0, 1], [3, 20], [15, 16], [18, 40], [2, 70]] as const) {
      const members = Array.from({ length: Math.max(second + 2, 24) }, (_, i) => `"${keyName(i)}":${i}`);
      members[second] = `"${keyName(first)}":"copy"`;
      const text = `{${members.join(',')}}`;
      expect([first, second, x.extract(text, [valueAt(keyName(first))])]).toEqual([first, second, [String(first)]]);
    }
  });

  it('long keys, escaped keys and empty keys', () => {
    const long = (n: number) => 'L'.repeat(n);
    const text = `{"":"empty","a\\u0062":"escaped","c\\u0064":"only escaped","${long(254)}":"254","${long(255)}":"255","${long(300)}":"300","ab":"plain"}`;
    const got = x.extract(text, ['', 'ab', 'cd', long(254), long(255), long(300), long(256)].map(valueAt));
    // "a\u0062" is "ab" unescaped and comes first, but fastjson tries the raw texts first: "ab" wins
    expect(got).toEqual(['empty', 'plain', 'only escaped', '254', '255', '300', null]);
  });

  it('nothing carried over from the document before', () => {
    const a = JSON.stringify({ kind: 'A', verb: 'get', user: { username: 'alice' } });
    const b = JSON.stringify({ verb: 'list', kind: 'B' });
    const specs = ['kind', 'verb', 'user'].map(valueAt);
    expect(x.extract(a, specs)).toEqual(['A', 'get', '{"username":"alice"}']);
    expect(x.extract(b, specs)).toEqual(['B', 'list', null]);
    // a cut document: the member being read at the cut is not a key of the root
    const cut = `${JSON.stringify({ kind: 'C', verb: 'watch', tail: 'x'.repeat(40) }).slice(0, 40)}[Truncated...]`;
    expect(x.extract(cut, [...specs, valueAt('tail')])).toEqual(['C', 'watch', null, null]);
  });
});
