// Reading a Falco configuration file (falco.yaml): here the keys that decide which rules load and how
// (rules_files or the older rules_file, priority, rules enable/disable, append_output, rule_matching); the
// output keys, the service keys and each source's keys are read by their own modules (outputs/config.ts,
// service-config.ts, and every source descriptor of sources/index.ts). `-o key=value` overrides
// (core/overrides.ts) are applied to the document before any key is read. Anything malformed is a
// KAWA_ERR_CONFIG error naming the file, line and column; keys kawa does not use are ignored, as Falco
// ignores keys it does not know.
import { MAX_CONFIG_FILE_BYTES, readFailure, readUpTo } from '../core/read-up-to.js';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';
import { KawaError, type Location, type Problem } from '../core/errors.js';
import type { AppendOutput } from '../rules/compiler.js';
import { parsePriority } from '../rules/priority.js';
import type { Priority, RuleSelection } from '../rules/types.js';
import { readOutputsConfig, type OutputsConfig } from '../outputs/config.js';
import { readRulesLimits, type RulesLimitsConfig } from './rules-limits.js';
import { readStatefulConfig, type StatefulConfig } from './stateful-config.js';
import { readServiceConfig, type ServiceConfig } from './service-config.js';
import { ConfigView, type NodeOrigins } from '../core/config-view.js';
import { mergeConfigFiles } from './config-files.js';
import { checkShape } from './schema.js';
import { applyOverrides, parseOverride } from '../core/overrides.js';
import { SOURCE_KINDS, type SourceConfigs } from '../sources/index.js';

export interface FalcoConfig {
  file: string;
  rulesFiles: string[];
  minPriority?: Priority;
  selection: RuleSelection[];
  appendOutput: AppendOutput[];
  /** Falco's static_fields: name → value, the `static.<name>` fields. */
  staticFields: Record<string, string>;
  ruleMatching: 'first' | 'all';
  /** rules_limits: rules file size, and a reload's time and memory budget. */
  rulesLimits: RulesLimitsConfig;
  /** stateful: the caps and state file of the stateful rules. */
  stateful: StatefulConfig;
  outputs: OutputsConfig;
  service: ServiceConfig;
  /** Each source's keys, by source name (sources/index.ts); a source the file does not configure is absent. */
  sources: SourceConfigs;
  /** Keys kawa does not know, and Falco's that it does not use, with their places. */
  warnings: Problem[];
  /** The configuration files read: the main one, then those of config_files (a reload watches them all). */
  files: string[];
}

/** `overrides`: `-o key=value` texts, applied in order before the keys are read. */
export function readFalcoConfig(path: string, overrides: string[] = []): FalcoConfig {
  let text: string;
  try {
    text = readUpTo(path, MAX_CONFIG_FILE_BYTES).toString('utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new KawaError('KAWA_ERR_CONFIG', `cannot read configuration file: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : readFailure(e)}`, { file: path });
  }
  return parseFalcoConfig(text, path, overrides);
}

export function parseFalcoConfig(text: string, file: string, overrides: string[] = []): FalcoConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
  const origins: NodeOrigins = new WeakMap();
  const view = new ConfigView(doc, lc, file, origins);
  const at = (node: Node | null | undefined): Location => {
    // a node an override set has no position: name the overrides instead
    if (node && !node.range) return { file: `${file ? `${file}, ` : ''}-o overrides` };
    return node ? view.locate(node, []) : { file, line: 1, column: 1 };
  };
  function fail(message: string, node?: Node | null): never {
    throw new KawaError('KAWA_ERR_CONFIG', message, at(node));
  }
  const err = doc.errors[0];
  if (err) {
    const { line, col } = lc.linePos(err.pos[0]);
    throw new KawaError('KAWA_ERR_CONFIG', `not valid YAML: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, { file, line, column: col });
  }
  const included = mergeConfigFiles(doc, file, origins, lc);
  if (overrides.length) applyOverrides(doc, overrides.map(parseOverride));
  const warnings = checkShape(doc, view);
  const root = doc.contents as Node | null;
  const empty = root === null || (isScalar(root) && (root.value === null || root.value === ''));
  if (!empty && !isMap(root)) return fail('the configuration must be a mapping of keys to values', root);
  const config: FalcoConfig = {
    file, rulesFiles: [], selection: [], appendOutput: [], staticFields: {}, ruleMatching: 'first',
    rulesLimits: readRulesLimits(view), stateful: readStatefulConfig(view), outputs: readOutputsConfig(view), service: readServiceConfig(view), sources: readSourceConfigs(view),
    warnings, files: [...(file ? [file] : []), ...included],
  };
  if (empty || !isMap(root)) return config;
  const get = (key: string): Node | null | undefined => {
    const pair = root.items.find((p) => isScalar(p.key) && p.key.value === key);
    return pair ? (pair.value as Node | null) : undefined;
  };
  const text1 = (n: Node | null | undefined, what: string): string => {
    if (!n || !isScalar(n) || n.value === null || typeof n.value === 'object') return fail(`${what} must be a string`, n);
    return String(n.value);
  };

  for (const key of ['rules_files', 'rules_file']) {
    const n = get(key);
    if (n === undefined || n === null) continue;
    if (isSeq(n)) config.rulesFiles = n.items.map((i) => text1(i as Node, `each entry of ${key}`));
    else config.rulesFiles = [text1(n, key)];
    break;
  }

  const prio = get('priority');
  if (prio !== undefined && prio !== null) {
    const p = parsePriority(text1(prio, 'priority'));
    if (!p) fail(`unknown priority '${text1(prio, 'priority')}' (one of emergency, alert, critical, error, warning, notice, info, debug)`, prio);
    config.minPriority = p;
  }

  const matching = get('rule_matching');
  if (matching !== undefined && matching !== null) {
    const m = text1(matching, 'rule_matching');
    if (m !== 'first' && m !== 'all') fail(`rule_matching must be 'first' or 'all', not '${m}'`, matching);
    config.ruleMatching = m as 'first' | 'all';
  }

  const rules = get('rules');
  if (rules !== undefined && rules !== null) {
    if (!isSeq(rules)) fail('rules must be a sequence of {enable: ...} / {disable: ...} entries', rules);
    for (const raw of rules.items) {
      const entry = raw as Node;
      if (!isMap(entry) || entry.items.length !== 1 || !isScalar(entry.items[0]!.key)) {
        fail("each entry of rules must be a mapping with one key, 'enable' or 'disable'", entry);
      }
      const action = String((entry.items[0]!.key as { value: unknown }).value);
      if (action !== 'enable' && action !== 'disable') fail(`unknown rules action '${action}' (expected 'enable' or 'disable')`, entry);
      const target = entry.items[0]!.value as Node | null;
      if (!target || !isMap(target)) return fail(`${action} must be a mapping with 'rule' or 'tag'`, target ?? entry);
      const sel: { rule?: string; tag?: string } = {};
      for (const p of target.items) {
        const k = isScalar(p.key) ? String(p.key.value) : '';
        if (k !== 'rule' && k !== 'tag') fail(`unknown key '${k}' under ${action} (expected 'rule' or 'tag')`, p.key as Node);
        sel[k as 'rule' | 'tag'] = text1(p.value as Node, `${action}.${k}`);
      }
      if (sel.rule === undefined && sel.tag === undefined) fail(`${action} needs 'rule' or 'tag'`, target);
      config.selection.push(action === 'enable' ? { enable: sel } : { disable: sel });
    }
  }

  const ao = get('append_output');
  if (ao !== undefined && ao !== null) {
    if (!isSeq(ao)) fail('append_output must be a sequence', ao);
    for (const raw of ao.items) {
      const n = raw as Node;
      if (!isMap(n)) fail('each entry of append_output must be a mapping', n);
      const js = n.toJSON() as Record<string, unknown>;
      const entry: AppendOutput = {};
      if (js.match !== undefined) {
        const m = js.match as Record<string, unknown>;
        if (typeof m !== 'object' || m === null || Array.isArray(m)) fail('append_output match must be a mapping', n);
        entry.match = {};
        if (m.source !== undefined) entry.match.source = String(m.source);
        if (m.rule !== undefined) entry.match.rule = String(m.rule);
        if (m.tags !== undefined) {
          if (!Array.isArray(m.tags)) fail('append_output match.tags must be a sequence', n);
          entry.match.tags = (m.tags as unknown[]).map(String);
        }
      }
      if (js.extra_output !== undefined) entry.extra_output = String(js.extra_output);
      if (js.suggested_output !== undefined) {
        if (typeof js.suggested_output !== 'boolean') fail('append_output suggested_output must be true or false', n);
        entry.suggested_output = js.suggested_output;
      }
      if (js.extra_fields !== undefined && js.extra_fields !== null) {
        if (!Array.isArray(js.extra_fields)) fail('append_output extra_fields must be a sequence', n);
        entry.extra_fields = (js.extra_fields as unknown[]).map((f) => {
          if (typeof f === 'string') return f;
          const ok = f && typeof f === 'object' && !Array.isArray(f) && Object.values(f).every((v) => typeof v === 'string' || typeof v === 'number');
          if (!ok) return fail('each entry of append_output extra_fields must be a field name or a mapping of names to formats', n);
          return Object.fromEntries(Object.entries(f as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
        });
      }
      config.appendOutput.push(entry);
    }
  }

  // static_fields: `static.<name>` in conditions and outputs (Falco 0.42)
  const sf = get('static_fields');
  if (sf !== undefined && sf !== null) {
    if (!isMap(sf)) fail('static_fields must be a mapping of names to values', sf);
    for (const p of sf.items) {
      const name = isScalar(p.key) ? String(p.key.value) : '';
      if (!/^[A-Za-z0-9_]+$/.test(name)) fail(`static_fields: '${name}' is not a field name (letters, digits and _ only)`, p.key as Node);
      config.staticFields[name] = text1(p.value as Node, `static_fields.${name}`);
    }
  }
  return config;
}

function readSourceConfigs(view: ConfigView): SourceConfigs {
  const out: Record<string, unknown> = {};
  for (const kind of SOURCE_KINDS) {
    const c = kind.readConfig(view);
    if (c !== undefined) out[kind.name] = c;
  }
  return out as SourceConfigs;
}
