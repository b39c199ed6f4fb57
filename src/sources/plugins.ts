// Falco's `plugins` blocks as Falco users have them, read for the sources that stand in for a plugin: the
// k8saudit-eks plugin (the CloudWatch source) and the k8saudit plugin (the audit webhook, or files).
//
//   plugins:
//     - name: k8saudit
//       library_path: libk8saudit.so          ignored: kawa is the plugin
//       init_config: {maxEventSize: 262144}   a mapping, or the same as a JSON string ("" = {})
//       open_params: "http://:9765/k8s-audit"
//   load_plugins: [k8saudit, json]            when present, a plugin must be listed to be used
import { isMap, isScalar, isSeq, parse as parseYaml, type Node } from 'yaml';
import type { ConfigView } from '../core/config-view.js';

export interface PluginBlock {
  index: number;
  initConfig: Record<string, unknown>;
  openParams: string;
  /** The path of a key of init_config (for errors at its place). */
  at(key: string): (string | number)[];
}

/** The entry of `plugins` named `name`, when load_plugins (if present) lists it. */
export function findPlugin(view: ConfigView, name: string): PluginBlock | undefined {
  const plugins = view.node(['plugins']);
  if (plugins === undefined || (isScalar(plugins) && plugins.value === null)) return undefined;
  if (!isSeq(plugins)) return view.fail(['plugins'], 'plugins must be a sequence of plugin entries');
  const index = plugins.items.findIndex((item) => isMap(item) && (item.toJSON() as { name?: unknown }).name === name);
  if (index < 0) return undefined;
  // Falco loads every configured plugin when load_plugins is absent, and only the listed ones when present
  const load = view.has(['load_plugins']) ? view.strList(['load_plugins']) ?? [] : undefined;
  if (load && !load.includes(name)) return undefined;
  return {
    index,
    initConfig: initConfig(view, index),
    openParams: (view.str(['plugins', index, 'open_params']) ?? '').trim(),
    at: (key) => ['plugins', index, 'init_config', key],
  };
}

/** init_config as a mapping: Falco accepts a YAML mapping or a JSON text ("" = {}). */
function initConfig(view: ConfigView, index: number): Record<string, unknown> {
  const path = ['plugins', index, 'init_config'];
  const node = view.node(path) as Node | undefined;
  if (node === undefined || (isScalar(node) && (node.value === null || node.value === ''))) return {};
  if (isMap(node)) return node.toJSON() as Record<string, unknown>;
  if (isScalar(node) && typeof node.value === 'string') {
    let parsed: unknown;
    try {
      parsed = parseYaml(node.value);
    } catch (e) {
      return view.fail(path, `init_config is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  }
  return view.fail(path, 'init_config must be a mapping or a JSON object text');
}

/** An integer init_config key ≥ 0, or the fallback. */
export function initInteger(view: ConfigView, block: PluginBlock, key: string, fallback: number): number {
  const v = block.initConfig[key];
  if (v === undefined || v === null) return fallback;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 0) view.fail(block.at(key), `init_config.${key} must be an integer >= 0, not ${JSON.stringify(v)}`);
  return n;
}

/** A string init_config key, or undefined. */
export function initString(view: ConfigView, block: PluginBlock, key: string): string | undefined {
  const v = block.initConfig[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') view.fail(block.at(key), `init_config.${key} must be a string`);
  return v as string;
}
