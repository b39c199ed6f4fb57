// The parser reads containers nested deeper than two levels without writing them to the tape and parses
// them again when a field looks inside (assembly/json.ts, "Lazy containers"); strings are scanned 32 bytes
// at a time, then 16. These tests hold that shortcut to the eager semantics: random deep documents with escapes
// across 16-byte blocks read back exactly (whole-document compact and indented text, random pointers),
// a syntax error or excess depth anywhere (however deep) still rejects the event, and a CloudWatch cut deep
// inside a nested value is still salvaged. Strings of every length across the scanner's 16- and 32-byte steps,
// with an escape at every place, end where they should.
import { describe, expect, it } from 'vitest';
import { FieldExtractor, parseFieldSpec, type FieldSpec } from '../../src/engine/extractor.js';
import { findField } from '../../src/fields/registry.js';
import { rng } from './mutate.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const SEED = Number(process.env.KAWA_FUZZ_SEED ?? 7);
const ROUNDS = Number(process.env.KAWA_FUZZ_ROUNDS ?? 3000) / 3;
const CHARS = ['a', 'b', 'z', ' ', '"', '\\', '/', '\n', '\t', '\u0001', 'é', '€', '😀', '{', '}', '[', ']', ':', ','];

function randomString(r: () => number): string {
  const n = Math.floor(r() * r() * 48);
  let s = '';
  for (let i = 0; i < n; i++) s += r() < 0.7 ? 'x' : CHARS[Math.floor(r() * CHARS.length)];
  return s;
}

function randomValue(r: () => number, depth: number): Json {
  const k = r();
  if (depth < 9 && k < 0.45) {
    if (r() < 0.5) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    const o: { [k: string]: Json } = {};
    for (let i = Math.floor(r() * 5); i > 0; i--) o[randomString(r)] = randomValue(r, depth + 1);
    return o;
  }
  if (k < 0.75) return randomString(r);
  if (k < 0.85) return Math.floor(r() * 1e6) / (r() < 0.5 ? 1 : 1000);
  return [true, false, null][Math.floor(r() * 3)]!;
}

/** A random path to a value of doc, as steps. */
function randomPath(r: () => number, doc: Json): (string | number)[] {
  const path: (string | number)[] = [];
  let v = doc;
  while (v !== null && typeof v === 'object' && r() < 0.8) {
    const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
    if (keys.length === 0) break;
    const key = keys[Math.floor(r() * keys.length)]!;
    path.push(key);
    v = (v as Record<string | number, Json>)[key]!;
  }
  return path;
}

const pointer = (path: (string | number)[]) => path.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
// built directly: any byte may be in a key, and parseFieldSpec reads `name[arg]` text
const valueAt = (ptr: string): FieldSpec => ({ text: `json.value[${ptr}]`, field: findField('json.value')!, key: ptr, index: -1n });
const asString = (v: Json) => (typeof v === 'string' ? v : JSON.stringify(v));

describe('lazy containers and the block string scanner', () => {
  const x = new FieldExtractor();
  const whole = [parseFieldSpec('json.value[]'), parseFieldSpec('json.obj')];

  it('random deep documents read back exactly, whole and at random pointers', () => {
    const r = rng(SEED + 11);
    for (let i = 0; i < ROUNDS; i++) {
      const doc: Json = { kind: 'Event', deep: randomValue(r, 0), more: randomValue(r, 0) };
      const text = JSON.stringify(doc);
      expect(x.extract(text, whole)).toEqual([text, JSON.stringify(doc, null, 2)]);
      expect(x.lastStatus).toBe('ok');
      // several pointers into one event: some containers are opened more than once
      const paths = Array.from({ length: 4 }, () => randomPath(r, doc)).filter((p) => p.length > 0);
      const got = x.extract(text, paths.map((p) => valueAt(pointer(p))));
      const want = paths.map((p) => asString(p.reduce<Json>((v, s) => (v as Record<string | number, Json>)[s]!, doc)));
      expect(got).toEqual(want);
    }
  });

  it('strings of every length, with an escape at every place, end where they should', () => {
    const spec = [valueAt('/s'), valueAt('/t')];
    for (let len = 0; len <= 80; len++) {
      for (let at = -1; at < len; at++) {
        // an escaped quote or backslash at `at` (none for -1): the scanner must step over it, not end there
        const s = Array.from({ length: len }, (_, i) => (i === at ? (i % 2 ? '"' : '\\') : String.fromCharCode(97 + (i % 26)))).join('');
        const text = JSON.stringify({ s, t: 'end' });
        expect(x.extract(text, spec)).toEqual([s, 'end']);
        // the same document cut inside the string: an unterminated string is an error, not a value
        x.extract(text.slice(0, 6 + Math.max(0, at)), spec);
        expect(x.lastStatus).toBe('parse_error');
      }
    }
  });

  it('a syntax error at any depth rejects the event', () => {
    const r = rng(SEED + 12);
    const breaks: Record<string, string> = { ':': 'x', ',': 'x', '}': ']', ']': '}' };
    let deep = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const text = JSON.stringify({ kind: 'Event', a: { b: { c: randomValue(r, 0) } } });
      // structural bytes outside strings, with their depth
      const spots: { at: number; depth: number }[] = [];
      for (let p = 0, depth = 0, inString = false; p < text.length; p++) {
        const c = text[p]!;
        if (inString) {
          if (c === '\\') p++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else {
          if (c === '}' || c === ']') depth--;
          if (c in breaks) spots.push({ at: p, depth });
          if (c === '{' || c === '[') depth++;
        }
      }
      const spot = spots[Math.floor(r() * spots.length)]!;
      if (spot.depth >= 3) deep++;
      const broken = text.slice(0, spot.at) + breaks[text[spot.at]!] + text.slice(spot.at + 1);
      expect(() => JSON.parse(broken)).toThrow();
      x.extract(broken, []);
      expect([broken, x.lastStatus]).toEqual([broken, 'parse_error']);
    }
    expect(deep).toBeGreaterThan(ROUNDS / 4);
  });

  it('nesting past the limit inside a lazy container is still too deep', () => {
    const inner = (n: number) => '['.repeat(n) + ']'.repeat(n);
    x.extract(`{"a":{"b":{"c":${inner(296)}}}}`, []);
    expect(x.lastStatus).toBe('ok');
    x.extract(`{"a":{"b":{"c":${'['.repeat(297)}1${']'.repeat(297)}}}}`, []);
    expect(x.lastStatus).toBe('too_deep');
  });

  it('a cut deep inside a nested value is salvaged', () => {
    const r = rng(SEED + 13);
    const specs = [parseFieldSpec('kawa.truncated'), parseFieldSpec('json.value[/kind]'), parseFieldSpec('json.value[]')];
    for (let i = 0; i < ROUNDS / 4; i++) {
      const text = JSON.stringify({ kind: 'Event', a: { b: { c: randomValue(r, 0), d: randomString(r) } }, z: 1 });
      const cut = 40 + Math.floor(r() * (text.length - 50));
      const [truncated, kind, compact] = x.extract(`${text.slice(0, cut)}[Truncated...]`, specs);
      expect(x.lastStatus).toBe('ok');
      expect(truncated).toBe('true');
      expect(kind).toBe('Event');
      // what survives is a prefix of the document, containers closed at the cut
      expect(text.startsWith(String(compact).replace(/[\]}]+$/, ''))).toBe(true);
    }
  });
});
