// Deterministic mutators for fuzzing the engine. Byte mutators make inputs of any shape (broken JSON,
// invalid UTF-8, deep nesting, huge strings, odd numbers); structural mutators change a parsed event and
// re-serialise it, so the result is canonical JSON the reference evaluator can judge.

export type Rng = () => number;

/** mulberry32 */
export function rng(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: Rng, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)];
const enc = new TextEncoder();

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const ODD_NUMBERS = ['1e999', '-0', '1.50', '0x10', 'NaN', '-Inf', '12345678901234567890123', '1e', '--1', '.5', '+1', '01'];
const JSON_BITS = ['{', '}', '[', ']', '"', '\\', ':', ',', 'null', '\\u00', '\\ud800', '"kind":"Event"', '"kind":"EventList","items":['];

/** A byte-level mutant of `seed`: the result is usually not valid JSON. */
export function mutateBytes(r: Rng, seed: Uint8Array): Uint8Array {
  const at = int(r, seed.length + 1);
  switch (int(r, 8)) {
    case 0: { // flip random bytes
      const out = seed.slice();
      for (let i = 0, n = 1 + int(r, 8); i < n && out.length; i++) out[int(r, out.length)] = int(r, 256);
      return out;
    }
    case 1: // cut anywhere
      return seed.slice(0, at);
    case 2: { // deep nesting
      const depth = pick(r, [100, 299, 300, 301, 5000, 100000]);
      const open = pick(r, ['[', '{"a":']);
      return concat(seed.slice(0, at), enc.encode(open.repeat(depth)), seed.slice(at));
    }
    case 3: { // a huge string value
      const s = enc.encode(`"${'x'.repeat(pick(r, [70000, 300000, 1100000]))}"`);
      return concat(enc.encode('{"kind":"Event","auditID":"h","stageTimestamp":"2024-05-01T10:00:00Z","verb":'), s, enc.encode('}'));
    }
    case 4: { // invalid UTF-8
      const bad = pick(r, [[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xc0, 0xaf]]);
      return concat(seed.slice(0, at), Uint8Array.from(bad), seed.slice(at));
    }
    case 5: // odd number text
      return concat(seed.slice(0, at), enc.encode(pick(r, ODD_NUMBERS)), seed.slice(at));
    case 6: // JSON punctuation in a random place
      return concat(seed.slice(0, at), enc.encode(pick(r, JSON_BITS)), seed.slice(at));
    default: // duplicate a slice
      return concat(seed.slice(0, at), seed.slice(int(r, seed.length + 1)), seed.slice(at));
  }
}

type J = null | boolean | number | string | J[] | { [k: string]: J };

const REPLACEMENTS: J[] = [null, true, false, 0, -1, 1.5, 201, '', 'x', 'true', 'pods', 'exec', 'kube-system', 'system:masters',
  'a"b\\c\n\u0001é😀', '/etc', '/var/run/docker.sock', 'nginx:1.2@sha256:ab', {}, [], [null], [{}], ['a', 'b'], { kind: 'User', name: 'x' },
  { privileged: true }, { hostPath: { path: '/proc' } }];

/** Paths to every node of a JSON value. */
function nodes(v: J, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(path);
  if (Array.isArray(v)) v.forEach((e, i) => nodes(e, [...path, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) nodes(v[k], [...path, k], out);
  return out;
}

function parentOf(root: J, path: (string | number)[]): J {
  let v = root;
  for (const k of path.slice(0, -1)) v = (v as Record<string | number, J>)[k];
  return v;
}

/** A structural mutant: one to three random edits of the parsed event, re-serialised canonically. */
export function mutateStructure(r: Rng, event: J): string {
  const root = structuredClone(event);
  for (let edits = 1 + int(r, 3); edits > 0; edits--) {
    const all = nodes(root).filter((p) => p.length > 0);
    if (all.length === 0) break;
    const path = pick(r, all);
    const parent = parentOf(root, path) as Record<string | number, J>;
    const key = path[path.length - 1];
    switch (int(r, 5)) {
      case 0:
      case 1:
        parent[key] = structuredClone(pick(r, REPLACEMENTS));
        break;
      case 2:
        if (Array.isArray(parent)) (parent as J[]).splice(key as number, 1);
        else delete parent[key];
        break;
      case 3: // wrap in an array, or take the value somewhere else
        parent[key] = int(r, 2) ? [parent[key]] : structuredClone(parentOf(root, pick(r, all).concat('x')) as J);
        break;
      default:
        if (Array.isArray(parent)) (parent as J[]).push(structuredClone(parent[key]));
        else parent[`${String(key)}${int(r, 2) ? '' : 'X'}`] = structuredClone(pick(r, REPLACEMENTS));
    }
  }
  return JSON.stringify(root);
}
