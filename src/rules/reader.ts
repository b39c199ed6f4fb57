// The reader: one rules file's YAML text -> calls on the collector, item by item, with Falco's checks and
// messages (rules-language.md 4.1-4.4). The first error throws a LoadFailure and stops the file; warnings are
// reported through `warn` as they are found.
//
// File shape:  file := document ( "---" document )*     document := null | sequence of items
//              item := null | map whose kind is its first present key among
//                      required_engine_version, required_plugin_versions, list, macro, rule
import { parseAllDocuments, isMap, isSeq, isScalar, type Document, type Node, type YAMLMap } from 'yaml';
import type { Code, Location } from '../core/errors.js';
import { Collector, type RuleUpdate } from './collector.js';
import { emptyEntry, type ExceptionEntry, type ExceptionInfo } from './exceptions.js';
import { readIpListFiles } from './ip-lists.js';
import { LoadFailure } from './load-failure.js';
import { parsePriority } from './priority.js';
import { readStatefulSpec } from './stateful-spec.js';
import { SourceText, type ItemRef } from './source-text.js';
import type { Priority } from './types.js';
import { indexAliases } from './yaml-aliases.js';
import { Decoder } from './yaml-decode.js';
import { parseVersion, type PluginRequirement } from './versions.js';

export type WarnFn = (code: Code, message: string, where: Location) => void;

const ITEM_KEYS: Record<string, string[]> = {
  required_engine_version: ['required_engine_version'],
  required_plugin_versions: ['required_plugin_versions'],
  list: ['list', 'items', 'append', 'override', 'kawa'],
  macro: ['macro', 'condition', 'append', 'override'],
  rule: ['rule', 'desc', 'condition', 'output', 'priority', 'source', 'enabled', 'tags', 'exceptions', 'capture',
    'capture_duration', 'warn_evttypes', 'skip-if-unknown-filter', 'append', 'override', 'kawa'],
};
const ITEM_KINDS = Object.keys(ITEM_KEYS);

const RULE_APPENDABLE = ['condition', 'output', 'desc', 'tags', 'exceptions'];
const RULE_REPLACEABLE = ['condition', 'output', 'desc', 'priority', 'tags', 'exceptions', 'enabled', 'capture',
  'capture_duration', 'warn_evttypes', 'skip-if-unknown-filter'];

const MACRO_NAME = /^[a-zA-Z]+[a-zA-Z0-9_]*$/;
const LIST_NAME = /^[^()"' \t\n\r\f\v=,]+$/;

const WARNING_APPEND = "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
const WARNING_ENABLED = "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').";
const ERROR_OVERRIDE_APPEND = "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";

/** Reads one file into the collector. Throws LoadFailure on the first error. */
export function readRulesFile(src: SourceText, collector: Collector, warn: WarnFn): void {
  const docs = parseAllDocuments(src.text, { lineCounter: src.lineCounter, schema: 'failsafe', uniqueKeys: false, prettyErrors: false });
  // parseAllDocuments returns an empty collection (not an array) for a stream without documents
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) throw new LoadFailure('LOAD_ERR_YAML_PARSE', yamlMessage(err.message), src.at(err.pos[0]));
  }
  for (const doc of list) readDocument(new Decoder(src, doc, [], indexAliases(doc, src)), doc, collector, warn);
}

/** The YAML library's message without its own position and excerpt (kawa prints those itself). */
function yamlMessage(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function readDocument(d: Decoder, doc: Document, collector: Collector, warn: WarnFn): void {
  const root = d.resolve(doc.contents);
  if (!root) return;
  if (isScalar(root)) d.fail('Rules content is not yaml', root);
  if (!isSeq(root)) d.fail('Rules content is not yaml array of objects', root);
  for (const raw of root.items) {
    const item = d.resolve(raw);
    if (!item) continue;
    if (!isMap(item)) d.fail('Unexpected element type. Each element should be a yaml associative array.', item);
    readItem(d, item, collector, warn);
  }
}

function readItem(d0: Decoder, item: YAMLMap, collector: Collector, warn: WarnFn): void {
  const kind = ITEM_KINDS.find((k) => d0.has(item, k));
  if (!kind) {
    warn('LOAD_UNKNOWN_ITEM', 'Unknown top level item', d0.src.at(d0.offset(item)));
    return;
  }
  // the item's name is decoded with an anonymous context, then the real one is used
  const anonymous = d0.withItems([{ type: kind, name: '' }]);
  let name = '';
  if (kind === 'list' || kind === 'macro' || kind === 'rule') name = anonymous.str(item, kind, item);
  const d = d0.withItems([{ type: kind, name }]);
  for (const e of d.keys(item)) {
    const key = String((e.key as { value: unknown }).value);
    if (!ITEM_KEYS[kind]!.includes(key)) warn('LOAD_UNKNOWN_KEY', `Unknown key '${key}'. The key will be ignored.`, d.src.at(d.offset(e.key), d.items));
  }
  switch (kind) {
    case 'required_engine_version': return readEngineVersion(d, item, collector);
    case 'required_plugin_versions': return readPluginVersions(d, item, collector);
    case 'list': return readList(d, item, name, collector, warn);
    case 'macro': return readMacro(d, item, name, collector, warn);
    default: return readRule(d, item, name, collector, warn);
  }
}

const loc = (d: Decoder, node: Node | null | undefined): Location => d.src.at(d.offset(node), d.items);

function readEngineVersion(d: Decoder, item: YAMLMap, collector: Collector): void {
  const text = d.str(item, 'required_engine_version', item);
  const version = /^\+?[0-9]+$/.test(text) ? parseVersion(`0.${Number(text)}.0`) : parseVersion(text);
  if (!version) d.fail(`Unable to parse engine version '${text}' as a semver string. Expected "x.y.z" semver format.`, item);
  collector.requireEngineVersion(version, loc(d, item));
}

function readPluginVersions(d: Decoder, item: YAMLMap, collector: Collector): void {
  const e = d.entry(item, 'required_plugin_versions')!;
  if (!e.value || !isSeq(e.value)) d.fail('Value of required_plugin_versions must be a sequence', e.value ?? e.key);
  for (const raw of e.value.items) {
    const plugin = d.resolve(raw);
    if (!plugin || !isMap(plugin)) d.fail('Plugin version must be a mapping', plugin ?? e.value);
    const alternatives: PluginRequirement[] = [{ name: d.str(plugin, 'name', plugin), version: d.str(plugin, 'version', plugin) }];
    const alts = d.entry(plugin, 'alternatives');
    if (alts) {
      if (!alts.value || !isSeq(alts.value)) d.fail('Value of plugin version alternatives must be a sequence', alts.value ?? alts.key);
      for (const rawAlt of alts.value.items) {
        const alt = d.resolve(rawAlt);
        if (!alt || !isMap(alt)) d.fail('Plugin version alternative must be a mapping', alt ?? alts.value);
        alternatives.push({ name: d.str(alt, 'name', alt), version: d.str(alt, 'version', alt) });
      }
    }
    collector.requirePlugins(alternatives, loc(d, plugin));
  }
}

/** Falco's decode_overrides: which keys the `override:` map appends and which it replaces. */
function readOverrides(d: Decoder, item: YAMLMap, appendable: string[], replaceable: string[]): { append: Set<string>; replace: Set<string> } {
  const append = new Set<string>();
  const replace = new Set<string>();
  const e = d.entry(item, 'override');
  if (!e) return { append, replace };
  const od: Decoder = d.nested({ type: 'override', name: '' });
  if (!e.value || !isMap(e.value)) od.fail("Mapping for key 'override' is empty", e.value ?? e.key);
  for (const entry of od.keys(e.value)) {
    const key = String((entry.key as { value: unknown }).value);
    const op = entry.value && isScalar(entry.value) ? String(entry.value.value) : '';
    if (op === 'append') {
      if (!appendable.includes(key)) od.fail(`Key '${key}' cannot be appended to, use 'replace' instead`, entry.key);
      append.add(key);
    } else if (op === 'replace') {
      if (!replaceable.includes(key)) od.fail(`Key '${key}' cannot be replaced`, entry.key);
      replace.add(key);
    } else {
      od.fail(`Invalid override operation for key '${key}': '${op}'. Allowed values are: append replace `, entry.value ?? entry.key);
    }
  }
  return { append, replace };
}

/** The deprecated `append: true` flag, with its warning. */
function readAppendFlag(d: Decoder, item: YAMLMap, warn: WarnFn): boolean {
  const append = d.bool(item, 'append', item) ?? false;
  if (append) warn('LOAD_DEPRECATED_ITEM', WARNING_APPEND, loc(d, item));
  return append;
}

function readList(d: Decoder, item: YAMLMap, name: string, collector: Collector, warn: WarnFn): void {
  if (!LIST_NAME.test(name)) {
    warn('LOAD_INVALID_LIST_NAME', `List has an invalid name. List names should match a regular expression: ${LIST_NAME.source.slice(1, -1)}`, loc(d, item));
  }
  const items = d.strings(item, 'items', item)!;
  let append = readAppendFlag(d, item, warn);
  const ov = readOverrides(d, item, ['items'], ['items']);
  if (append && (ov.append.size || ov.replace.size)) d.fail(ERROR_OVERRIDE_APPEND, item);
  append ||= ov.append.has('items');
  const kawa = d.entry(item, 'kawa');
  const files = kawa ? readIpListFiles(d, kawa.value, kawa.key) : [];
  if (append) collector.appendList(name, items, loc(d, item), files);
  else collector.defineList(name, items, loc(d, item), files);
}

function readMacro(d: Decoder, item: YAMLMap, name: string, collector: Collector, warn: WarnFn): void {
  if (!MACRO_NAME.test(name)) {
    warn('LOAD_INVALID_MACRO_NAME', `Macro has an invalid name. Macro names should match a regular expression: ${MACRO_NAME.source.slice(1, -1)}`, loc(d, item));
  }
  const condition = d.str(item, 'condition', item);
  const conditionWhere = loc(d, d.entry(item, 'condition')!.value);
  let append = readAppendFlag(d, item, warn);
  const ov = readOverrides(d, item, ['condition'], ['condition']);
  if (append && (ov.append.size || ov.replace.size)) d.fail(ERROR_OVERRIDE_APPEND, item);
  append ||= ov.append.has('condition');
  if (append) collector.appendMacro(name, condition, loc(d, item));
  else collector.defineMacro(name, condition, loc(d, item), conditionWhere);
}

function readPriority(d: Decoder, item: YAMLMap): Priority {
  const text = d.str(item, 'priority', item);
  const p = parsePriority(text);
  if (!p) d.fail('Invalid priority', d.entry(item, 'priority')!.value);
  return p;
}

function readTags(d: Decoder, item: YAMLMap): string[] | undefined {
  return d.strings(item, 'tags', item, true);
}

function readRule(d: Decoder, item: YAMLMap, name: string, collector: Collector, warn: WarnFn): void {
  const where = loc(d, item);
  const appendFlag = readAppendFlag(d, item, warn);
  const ov = readOverrides(d, item, RULE_APPENDABLE, RULE_REPLACEABLE);
  const hasOverrides = ov.append.size > 0 || ov.replace.size > 0;
  if (appendFlag && hasOverrides) d.fail(ERROR_OVERRIDE_APPEND, item);
  // an empty `source:` is allowed and matches any existing rule's source
  const source = d.entry(item, 'source')?.value === null ? '' : d.str(item, 'source', item, true);
  const kawa = d.entry(item, 'kawa');
  const defines = !hasOverrides && !appendFlag && ['condition', 'output', 'desc', 'priority'].some((k) => d.has(item, k));
  if (kawa && !defines) d.fail("kawa: only a rule's definition may have the kawa key (not an append, override or enabled-only item)", kawa.key, 'LOAD_ERR_VALIDATE');

  if (hasOverrides) {
    const expected = new Set([...RULE_APPENDABLE, ...RULE_REPLACEABLE].filter((k) => d.has(item, k)));
    // Falco's check_update_expected: a key named under override must be present, and is then consumed
    const take = (ops: Set<string>, op: string, key: string): boolean => {
      if (!ops.has(key)) return false;
      if (!expected.has(key)) d.fail(`An ${op} override for '${key}' was specified but '${key}' is not defined`, item);
      expected.delete(key);
      return true;
    };
    if (ov.append.size) {
      const u: RuleUpdate = { name, where };
      if (source !== undefined) u.source = source;
      if (take(ov.append, 'append', 'condition')) readCondition(d, item, u);
      if (take(ov.append, 'append', 'exceptions')) u.exceptions = readExceptions(d, item, true, warn);
      if (take(ov.append, 'append', 'output')) readOutput(d, item, u);
      if (take(ov.append, 'append', 'desc')) u.desc = d.str(item, 'desc', item);
      if (take(ov.append, 'append', 'tags')) u.tags = readTags(d, item) ?? [];
      collector.appendRule(u);
    }
    if (ov.replace.size) {
      const u: RuleUpdate = { name, where };
      if (source !== undefined) u.source = source;
      if (take(ov.replace, 'replace', 'condition')) readCondition(d, item, u);
      if (take(ov.replace, 'replace', 'exceptions')) u.exceptions = readExceptions(d, item, false, warn);
      if (take(ov.replace, 'replace', 'output')) readOutput(d, item, u);
      if (take(ov.replace, 'replace', 'desc')) u.desc = d.str(item, 'desc', item);
      if (take(ov.replace, 'replace', 'tags')) u.tags = readTags(d, item) ?? [];
      if (take(ov.replace, 'replace', 'priority')) u.priority = readPriority(d, item);
      if (take(ov.replace, 'replace', 'enabled')) u.enabled = d.bool(item, 'enabled', item)!;
      if (take(ov.replace, 'replace', 'capture')) u.capture = d.bool(item, 'capture', item)!;
      if (take(ov.replace, 'replace', 'capture_duration')) u.captureDuration = d.uint(item, 'capture_duration', item)!;
      if (take(ov.replace, 'replace', 'warn_evttypes')) u.warnEvttypes = d.bool(item, 'warn_evttypes', item)!;
      if (take(ov.replace, 'replace', 'skip-if-unknown-filter')) u.skipIfUnknownFilter = d.bool(item, 'skip-if-unknown-filter', item)!;
      collector.replaceRule(u);
    }
    const left = [...expected].sort()[0];
    if (left !== undefined) {
      d.fail(`Unexpected key '${left}': no corresponding entry under 'override' is defined.`, d.entry(item, left)!.key);
    }
    return;
  }

  if (appendFlag) {
    const u: RuleUpdate = { name, where };
    if (source !== undefined) u.source = source;
    if (d.has(item, 'condition')) readCondition(d, item, u);
    if (d.has(item, 'exceptions')) u.exceptions = readExceptions(d, item, true, warn);
    if (u.condition === undefined && u.exceptions === undefined) {
      d.fail('Appended rule must have exceptions or condition property', item, 'LOAD_ERR_VALIDATE');
    }
    collector.appendRule(u);
    return;
  }

  if (!['condition', 'output', 'desc', 'priority'].some((k) => d.has(item, k))) {
    const enabled = d.bool(item, 'enabled', item);
    if (enabled === undefined) d.fail("Item has no mapping for key 'enabled'", item);
    warn('LOAD_DEPRECATED_ITEM', WARNING_ENABLED, where);
    collector.enableRule(name, enabled, where);
    return;
  }

  const u: RuleUpdate = { name, where };
  readCondition(d, item, u);
  readOutput(d, item, u);
  const desc = d.str(item, 'desc', item);
  const priority = readPriority(d, item);
  collector.defineRule({
    ...(kawa ? { stateful: readStatefulSpec(d, kawa.value, kawa.key), statefulWhere: loc(d, kawa.key) } : {}),
    name,
    condition: u.condition!,
    output: u.output!,
    desc,
    priority,
    source: source ?? 'syscall',
    enabled: d.bool(item, 'enabled', item) ?? true,
    warnEvttypes: d.bool(item, 'warn_evttypes', item) ?? true,
    skipIfUnknownFilter: d.bool(item, 'skip-if-unknown-filter', item) ?? false,
    capture: d.bool(item, 'capture', item) ?? false,
    captureDuration: d.uint(item, 'capture_duration', item) ?? 0,
    tags: new Set(readTags(d, item) ?? []),
    exceptions: readExceptions(d, item, false, warn) ?? [],
    where,
    conditionWhere: u.conditionWhere!,
    outputWhere: u.outputWhere!,
  });
}

function readCondition(d: Decoder, item: YAMLMap, u: RuleUpdate): void {
  u.condition = d.str(item, 'condition', item);
  u.conditionWhere = loc(d, d.entry(item, 'condition')!.value);
}

function readOutput(d: Decoder, item: YAMLMap, u: RuleUpdate): void {
  u.output = d.str(item, 'output', item).trim();
  u.outputWhere = loc(d, d.entry(item, 'output')!.value);
}

/** Falco's read_rule_exceptions. `append`: fields may be left out (only values appended). */
function readExceptions(d: Decoder, item: YAMLMap, append: boolean, warn: WarnFn): ExceptionInfo[] | undefined {
  const e = d.entry(item, 'exceptions');
  if (!e || !e.value) return undefined;
  const xd: Decoder = d.nested({ type: 'exceptions', name: '' });
  if (!isSeq(e.value)) xd.fail('Rule exceptions must be a sequence', e.value);
  const names = new Set<string>();
  const out: ExceptionInfo[] = [];
  for (const raw of e.value.items) {
    const ex = xd.resolve(raw);
    const tmp: Decoder = xd.nested({ type: 'exception', name: '' });
    if (!ex || !isMap(ex)) tmp.fail('Rule exception must be a mapping', ex ?? e.value);
    const name = tmp.str(ex, 'name', ex);
    if (names.has(name)) {
      warn('LOAD_EXCEPTION_NAME_NOT_UNIQUE', `Multiple definitions of exception '${name}' in the same rule`, loc(tmp, ex));
    }
    names.add(name);
    const exd: Decoder = xd.nested({ type: 'exception', name });
    const info: ExceptionInfo = { name, fields: emptyEntry(), comps: emptyEntry(), values: [], where: loc(exd, ex) };
    if (!exd.has(ex, 'fields')) {
      if (!append) exd.fail("Item has no mapping for key 'fields'", ex);
    } else {
      info.fields = readEntry(exd, exd.entry(ex, 'fields')!.value, 'fields', ex);
      if (exd.has(ex, 'comps')) info.comps = readEntry(exd, exd.entry(ex, 'comps')!.value, 'comps', ex);
    }
    const vals = exd.entry(ex, 'values');
    if (vals) {
      if (!vals.value || !isSeq(vals.value)) exd.fail('Rule exception values must be a sequence', vals.value ?? vals.key);
      for (const v of vals.value.items) info.values.push(readEntry(exd, exd.resolve(v), undefined, vals.value));
    } else if (append) {
      warn('LOAD_APPEND_NO_VALUES', 'Overriding/appending exception with no values', info.where);
    }
    out.push(info);
  }
  return out;
}

/** Falco's decode_exception_info_entry: a non-empty scalar, or a sequence of such entries. */
function readEntry(d: Decoder, value: Node | null, key: string | undefined, where: Node): ExceptionEntry {
  if (!value) d.fail(key ? `Mapping for key '${key}' is empty` : 'Value must be non-empty', where);
  if (isScalar(value)) {
    const item = String(value.value);
    if (item === '') d.fail('Value must be non-empty', value);
    return { isList: false, item, items: [] };
  }
  if (isSeq(value)) {
    return { isList: true, item: '', items: value.items.map((v) => readEntry(d, d.resolve(v), undefined, value)) };
  }
  return emptyEntry();
}

export type { ItemRef };
