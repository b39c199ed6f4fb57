// Decoding of rules-file YAML values the way Falco's reader does it (yaml-cpp semantics): documents are parsed
// with the failsafe schema so every scalar stays text as written; null is a plain `~`/`null`/empty scalar;
// booleans are YAML 1.1 spellings. Each failed decode throws a LoadFailure with Falco's message, located at
// the offending node.
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Scalar, type YAMLMap } from 'yaml';
import type { AliasTargets } from './yaml-aliases.js';
import type { Code } from '../core/errors.js';
import { LoadFailure } from './load-failure.js';
import type { ItemRef, SourceText } from './source-text.js';

const NULL_SPELLINGS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUE_SPELLINGS = ['y', 'yes', 'true', 'on'];
const FALSE_SPELLINGS = ['n', 'no', 'false', 'off'];

/** yaml-cpp's "flexible case": all lower, all upper, or capitalised. */
function flexibleCase(text: string, word: string): boolean {
  return text === word || text === word.toUpperCase() || text === word[0]!.toUpperCase() + word.slice(1);
}

export function parseYamlBool(text: string): boolean | undefined {
  if (TRUE_SPELLINGS.some((w) => flexibleCase(text, w))) return true;
  if (FALSE_SPELLINGS.some((w) => flexibleCase(text, w))) return false;
  return undefined;
}

/** A mapping entry: the key node (for positions) and its value (null when the YAML value is null). */
export interface Entry { key: Node; value: Node | null }

/** Reads values out of one YAML document, reporting problems against one enclosing item. */
export class Decoder {
  /** `aliases`: the document's aliases and their targets (yaml-aliases.ts), checked and indexed once. */
  constructor(readonly src: SourceText, readonly doc: Document, readonly items: ItemRef[], readonly aliases: AliasTargets) {}

  /** The same decoder for a nested item (an exception inside a rule, ...). */
  nested(item: ItemRef): Decoder {
    return new Decoder(this.src, this.doc, [...this.items, item], this.aliases);
  }

  withItems(items: ItemRef[]): Decoder {
    return new Decoder(this.src, this.doc, items, this.aliases);
  }

  fail(message: string, node: Node | null | undefined, code: Code = 'LOAD_ERR_YAML_VALIDATE'): never {
    throw new LoadFailure(code, message, this.src.at(this.offset(node), this.items));
  }

  offset(node: Node | null | undefined): number {
    return node?.range?.[0] ?? 0;
  }

  resolve(node: unknown): Node | null {
    let n = node as Node | null | undefined;
    for (let guard = 0; n && isAlias(n) && guard < 100; guard++) n = this.aliases.get(n);
    if (!n) return null;
    if (isScalar(n) && isNullScalar(n)) return null;
    return n;
  }

  /** The entry for `key`, or undefined when the map has no such key (yaml-cpp: !IsDefined). First one wins. */
  entry(map: YAMLMap, key: string): Entry | undefined {
    for (const pair of map.items) {
      const k = this.resolve(pair.key);
      if (k && isScalar(k) && String(k.value) === key) return { key: k, value: this.resolve(pair.value) };
    }
    return undefined;
  }

  has(map: YAMLMap, key: string): boolean {
    return this.entry(map, key) !== undefined;
  }

  /** Keys in file order, as text (non-scalar keys are skipped: they can never be expected keys). */
  keys(map: YAMLMap): Entry[] {
    const out: Entry[] = [];
    for (const pair of map.items) {
      const k = this.resolve(pair.key);
      if (k && isScalar(k)) out.push({ key: k, value: this.resolve(pair.value) });
    }
    return out;
  }

  /** Falco's decode_val for a string: required unless `optional`; must be a non-empty scalar. */
  str(map: YAMLMap, key: string, where: Node): string;
  str(map: YAMLMap, key: string, where: Node, optional: true): string | undefined;
  str(map: YAMLMap, key: string, where: Node, optional = false): string | undefined {
    const e = this.entry(map, key);
    if (!e) {
      if (optional) return undefined;
      this.fail(`Item has no mapping for key '${key}'`, where);
    }
    return this.scalarText(e.value, key, e.key);
  }

  /** The text of a value node that must be a non-empty scalar. */
  scalarText(value: Node | null, key: string, keyNode: Node): string {
    if (!value) this.fail(`Mapping for key '${key}' is empty`, keyNode);
    if (!isScalar(value)) this.fail('Value is not a scalar value', value);
    const text = String(value.value);
    if (text === '') this.fail('Value must be non-empty', value);
    return text;
  }

  bool(map: YAMLMap, key: string, where: Node): boolean | undefined {
    const e = this.entry(map, key);
    if (!e) return undefined;
    const text = this.scalarText(e.value, key, e.key);
    const b = parseYamlBool(text);
    if (b === undefined) this.fail("Can't decode YAML scalar value", e.value ?? where);
    return b;
  }

  /** An unsigned decimal integer (yaml-cpp's convert<uint64_t>). */
  uint(map: YAMLMap, key: string, where: Node): number | undefined {
    const e = this.entry(map, key);
    if (!e) return undefined;
    const text = this.scalarText(e.value, key, e.key);
    if (!/^\+?[0-9]+$/.test(text)) this.fail("Can't decode YAML scalar value", e.value ?? where);
    return Number(text);
  }

  /** Falco's decode_seq: a sequence of scalars, as text. */
  strings(map: YAMLMap, key: string, where: Node, optional = false): string[] | undefined {
    const e = this.entry(map, key);
    if (!e) {
      if (optional) return undefined;
      this.fail(`Item has no mapping for key '${key}'`, where);
    }
    if (!e.value || !isSeq(e.value)) this.fail('Value is not a sequence', e.value ?? e.key);
    const out: string[] = [];
    for (const raw of e.value.items) {
      const v = this.resolve(raw);
      // a null entry decodes as an empty string in yaml-cpp
      if (!v) { out.push(''); continue; }
      if (!isScalar(v)) this.fail('sequence value is not scalar', v);
      out.push(String(v.value));
    }
    return out;
  }
}

export function isNullScalar(n: Scalar): boolean {
  return n.type === 'PLAIN' && NULL_SPELLINGS.has(String(n.value ?? ''));
}

export { isMap, isScalar, isSeq };
