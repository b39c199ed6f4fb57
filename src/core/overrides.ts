// `-o key=value`: Falco's configuration overrides, applied to the parsed YAML document before anything
// reads it, so every key of falco.yaml can be overridden the same way.
//
//   override := path "=" value
//   path     := name ( "." name | "[" index "]" | "[]" )*
//   name     := any characters except . [ ] =
//   index    := decimal digits: that element of a sequence
//   "[]"     := a new element appended to the sequence (so `-o rules[].disable.rule=x` adds one entry)
//   value    := YAML text (`true`, `8765`, `[a, b]`, `{k: v}`); when it is not valid YAML, the text itself
//
// Missing maps and sequences along the path are created. The nodes an override sets have no position in
// the file, so a bad value is reported against the override (ConfigView names it).
import { isCollection, isNode, isSeq, parse, visit, type Document } from 'yaml';
import { KawaError } from './errors.js';

export type PathKey = string | number;

/** An override's path and value. */
export interface Override {
  text: string;
  path: PathKey[];
  value: unknown;
}

export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new KawaError('KAWA_ERR_USAGE', `-o needs key=value, not ${JSON.stringify(text)}`);
  const spec = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  const path: PathKey[] = [];
  const bad = (why: string): never => {
    throw new KawaError('KAWA_ERR_USAGE', `-o ${spec}: ${why}`);
  };
  const re = /\[(\d*)\]|\.?([^.[\]=]+)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < spec.length && (m = re.exec(spec))) {
    if (m[2] !== undefined) path.push(m[2].trim());
    else path.push(m[1] === '' ? -1 : Number(m[1]));
  }
  if (re.lastIndex < spec.length || path.length === 0 || typeof path[0] !== 'string') bad('not a key path (key.sub, list[0], list[])');
  let value: unknown;
  try {
    value = raw === '' ? '' : parse(raw);
  } catch {
    value = raw;
  }
  return { text, path, value };
}

/** Applies the overrides in order; `[]` (-1 in the path) becomes the length of the sequence at that point. */
export function applyOverrides(doc: Document, overrides: Override[]): void {
  if (!doc.contents || !isCollection(doc.contents)) doc.contents = doc.createNode({}) as never;
  for (const o of overrides) {
    const path: PathKey[] = [];
    for (const key of o.path) {
      if (key === -1) {
        const seq = doc.getIn(path, true);
        if (seq !== undefined && seq !== null && !isSeq(seq)) {
          throw new KawaError('KAWA_ERR_CONFIG', `-o ${o.text}: ${path.join('.')} is not a sequence`);
        }
        path.push(isSeq(seq) ? seq.items.length : 0);
      } else path.push(key);
    }
    try {
      doc.setIn(path, doc.createNode(o.value));
    } catch (e) {
      throw new KawaError('KAWA_ERR_CONFIG', `-o ${o.text}: ${(e as Error).message}`);
    }
  }
  // setIn leaves new keys as plain strings; readers expect key nodes, as parsed text has
  visit(doc, {
    Pair(_, pair) {
      if (!isNode(pair.key)) pair.key = doc.createNode(pair.key);
    },
  });
}
