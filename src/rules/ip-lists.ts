// IP lists (docs/ip-lists.md): a Falco list whose items are addresses and CIDR ranges, plus the files its
// `kawa: {files: [...]}` key names, matched by the fields kawa.sourceips.listed[<list>] and
// kawa.ips.listed[<list>:<json pointer>]. A list is an IP list because such a field names it; its ranges are
// read, checked and packed here, after the load, into LoadResult.ipLists, which the compiler puts in the
// program's constant pool for the WebAssembly search. Falco loads these files: it warns of the unknown
// `kawa` key and drops the rules reading the kawa-only fields under skip-if-unknown-filter.
import { dirname, resolve as resolvePath } from 'node:path';
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import type { Location } from '../core/errors.js';
import { splitIpListArg } from '../fields/field-arg.js';
import { findField } from '../fields/registry.js';
import type { Collector, ListFile } from './collector.js';
import { fieldRefs } from './field-refs.js';
import { readTextFile } from './files.js';
import { expandLists } from './lists.js';
import { LoadFailure } from './load-failure.js';
import { packRanges, parseRange, RANGE_BYTES, type IpRange } from './ip-ranges.js';
import type { IpList, LoadedRule } from './types.js';
import type { Decoder } from './yaml-decode.js';

/** Whether the field reads an IP list (the registry's ip_listed recipe). */
function readsIpList(field: string): boolean {
  return findField(field)?.extract.op === 'ip_listed';
}

/** Reads a list's `kawa:` value: `{files: [path, ...]}`, paths relative to the rules file's folder. */
export function readIpListFiles(d: Decoder, value: Node | null, keyNode: Node): ListFile[] {
  const fail = (message: string, node: Node | null | undefined): never => d.fail(message, node ?? keyNode, 'LOAD_ERR_VALIDATE');
  if (!value || !isMap(value)) fail('kawa: expected a mapping with files (a list of files of IP addresses and CIDR ranges)', value);
  const map = value as YAMLMap;
  for (const e of d.keys(map)) {
    const key = String((e.key as { value: unknown }).value);
    if (key !== 'files') fail(`kawa: unknown key '${key}' (a list's kawa key takes files)`, e.key);
  }
  const files = d.entry(map, 'files')?.value;
  if (!files || !isSeq(files) || files.items.length === 0) fail('kawa.files: expected a non-empty list of file paths', files);
  const dir = dirname(d.src.file);
  return (files as { items: unknown[] }).items.map((raw) => {
    const node = d.resolve(raw);
    const path = node && isScalar(node) ? String(node.value) : '';
    if (!path) fail('kawa.files: expected a file path', node ?? files);
    return { path: resolvePath(dir, path), where: d.src.at(d.offset(node), d.items) };
  });
}

/** The IP lists the rules' conditions and outputs read, each with where it is first read. */
export function ipListsRead(rules: LoadedRule[]): Map<string, Location> {
  const out = new Map<string, Location>();
  for (const rule of rules) {
    const where: Location = { file: rule.file, line: rule.line, items: [{ type: 'rule', name: rule.name }] };
    for (const f of fieldRefs([rule.condition, rule.output])) {
      if (!readsIpList(f.name) || f.arg === undefined) continue;
      const arg = splitIpListArg(f.name, f.arg);
      if ('problem' in arg) throw new LoadFailure('LOAD_ERR_VALIDATE', arg.problem, where);
      if (!out.has(arg.list)) out.set(arg.list, where);
    }
  }
  return out;
}

/**
 * Builds every IP list the rules read: the list's items (other lists named in them expanded, as Falco does)
 * and the lines of its files, each an address or a CIDR range. Throws LoadFailure at the bad item or line.
 */
export function buildIpLists(col: Collector, rules: LoadedRule[], maxFileBytes: number): Record<string, IpList> {
  const read = ipListsRead(rules);
  if (read.size === 0) return {};
  const expanded = expandLists(col.lists);
  const out: Record<string, IpList> = {};
  for (const [name, where] of read) {
    const info = col.lists.get(name);
    if (!info) throw new LoadFailure('LOAD_ERR_VALIDATE', `IP list '${name}' is not defined: define it with "- list: ${name}"`, where);
    const ranges: IpRange[] = [];
    for (const item of expanded.get(name)!.items) {
      const r = parseRange(item.trim());
      if (!r) throw new LoadFailure('LOAD_ERR_VALIDATE', `list '${name}': item '${item}' is not an IP address or CIDR range`, info.where);
      ranges.push(r);
    }
    for (const file of info.files) {
      try {
        readRangesFile(file, maxFileBytes, ranges);
      } catch (e) {
        // placed in the list's file, but it is the rules file naming that file that does not load
        if (e instanceof LoadFailure) e.rulesFile = file.where.file;
        throw e;
      }
    }
    const packed = packRanges(ranges);
    out[name] = { ranges: packed, count: packed.length / RANGE_BYTES, entries: ranges.length, files: info.files.map((f) => f.path) };
  }
  return out;
}

/** One file of an IP list: an address or CIDR range per line; blank lines and `#` comments are skipped. */
function readRangesFile(file: ListFile, maxFileBytes: number, into: IpRange[]): void {
  const input = readTextFile(file.path, maxFileBytes);
  if (input.error) {
    // a file that is there but bad is named at its own place; one that cannot be opened, where it is named
    const where = input.error.where?.line ? { file: file.path, ...input.error.where } : file.where;
    throw new LoadFailure(input.error.code, `IP list file ${file.path}: ${input.error.message}`, where);
  }
  const lines = input.content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.replace(/#.*/, '').trim();
    if (!text) continue;
    const r = parseRange(text);
    if (!r) {
      throw new LoadFailure('LOAD_ERR_VALIDATE', `'${text.slice(0, 100)}' is not an IP address or CIDR range`,
        { file: file.path, line: i + 1, column: lines[i]!.indexOf(text[0]!) + 1 });
    }
    into.push(r);
  }
}
