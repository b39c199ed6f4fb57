// Falco's `config_files`: more configuration files (or folders of them, their *.yaml / *.yml files in name
// order) loaded after the main one, each merged into it by its strategy:
//
//   config_files:
//     - /etc/falco/config.d                  strategy append (the default): a sequence in both gets the new
//     - path: /etc/kawa/overrides.yaml         items after its own; a mapping in both is merged key by key;
//       strategy: override                    anything else is replaced. override: every key given replaces
//                                             the main file's. add-only: only keys the main file lacks are added.
//
// Relative paths are relative to the main file's folder. Only the main file's config_files are read (an
// included file's own are not followed, as in Falco). A missing entry is a coded error naming it. Nodes keep
// their file and position, so an error in an included file names that file and line.
import { readdirSync, statSync } from 'node:fs';
import { MAX_CONFIG_FILE_BYTES, readFailure, readUpTo } from '../core/read-up-to.js';
import { dirname, join, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type YAMLMap } from 'yaml';
import type { NodeOrigins } from '../core/config-view.js';
import { KawaError } from '../core/errors.js';

type Strategy = 'append' | 'override' | 'add-only';

export function mergeConfigFiles(doc: Document, file: string, origins: NodeOrigins, lines: LineCounter): string[] {
  const root = doc.contents;
  if (!isMap(root)) return [];
  const entry = root.items.find((p) => isScalar(p.key) && p.key.value === 'config_files');
  if (!entry?.value || (isScalar(entry.value) && entry.value.value === null)) return [];
  const where = (n: Node) => {
    const { line, col } = lines.linePos(n.range?.[0] ?? 0);
    return { file, line, column: col };
  };
  const list = entry.value as Node;
  if (!isSeq(list)) throw new KawaError('KAWA_ERR_CONFIG', 'config_files must be a list of paths (or {path, strategy})', where(list));
  const base = file ? dirname(resolve(file)) : process.cwd();
  const loaded: string[] = [];
  for (const item of list.items as Node[]) {
    let path: string;
    let strategy: Strategy = 'append';
    if (isScalar(item) && typeof item.value === 'string') path = item.value;
    else if (isMap(item)) {
      const js = item.toJSON() as { path?: unknown; strategy?: unknown };
      if (typeof js.path !== 'string') throw new KawaError('KAWA_ERR_CONFIG', 'each entry of config_files needs a path', where(item));
      path = js.path;
      if (js.strategy !== undefined) {
        if (js.strategy !== 'append' && js.strategy !== 'override' && js.strategy !== 'add-only') {
          throw new KawaError('KAWA_ERR_CONFIG', `config_files strategy must be append, override or add-only, not ${JSON.stringify(js.strategy)}`, where(item));
        }
        strategy = js.strategy;
      }
    } else {
      throw new KawaError('KAWA_ERR_CONFIG', 'each entry of config_files must be a path or {path, strategy}', where(item));
    }
    const full = resolve(base, path);
    for (const f of expand(full, where(item))) {
      merge(root, parseIncluded(f, origins), strategy);
      loaded.push(f);
    }
  }
  return loaded;
}

function expand(path: string, at: { file: string; line: number; column: number }): string[] {
  let info;
  try {
    info = statSync(path);
  } catch (e) {
    throw new KawaError('KAWA_ERR_CONFIG', `config_files: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`, at);
  }
  if (!info.isDirectory()) return [path];
  return readdirSync(path).filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => join(path, n)).filter((f) => statSync(f).isFile());
}

function parseIncluded(file: string, origins: NodeOrigins): YAMLMap | undefined {
  let text: string;
  try {
    text = readUpTo(file, MAX_CONFIG_FILE_BYTES).toString('utf8');
  } catch (e) {
    throw new KawaError('KAWA_ERR_CONFIG', `config_files: cannot read ${file}: ${readFailure(e)}`, { file });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const err = doc.errors[0];
  if (err) {
    const { line, col } = lines.linePos(err.pos[0]);
    throw new KawaError('KAWA_ERR_CONFIG', `not valid YAML: ${err.message.split('\n')[0]}`, { file, line, column: col });
  }
  const root = doc.contents as Node | null;
  if (root === null || (isScalar(root) && root.value === null)) return undefined;
  if (!isMap(root)) throw new KawaError('KAWA_ERR_CONFIG', 'a configuration file must be a mapping of keys to values', { file, line: 1, column: 1 });
  visit(doc, { Node: (_, node) => void origins.set(node as Node, { file, lines }) });
  return root;
}

function merge(into: YAMLMap, from: YAMLMap | undefined, strategy: Strategy): void {
  if (!from) return;
  for (const pair of from.items) {
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    if (key === 'config_files') continue;
    const mine = into.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
    if (!mine) {
      into.items.push(pair);
      continue;
    }
    if (strategy === 'add-only') continue;
    if (strategy === 'append' && isSeq(mine.value) && isSeq(pair.value)) mine.value.items.push(...pair.value.items);
    else if (strategy === 'append' && isMap(mine.value) && isMap(pair.value)) merge(mine.value, pair.value, strategy);
    else mine.value = pair.value;
  }
}
