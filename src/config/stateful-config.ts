// The `stateful` keys of falco.yaml (kawa's own): the caps and the state file of the stateful rules (rules
// with a `kawa:` key, docs/stateful-rules.md).
//
//   stateful:
//     state_file: /var/lib/kawa/stateful.json   kept across restarts (none: the state lives with the process)
//     max_keys: 100000                          keys across all stateful rules; the least recently used is evicted
//     max_values: 64                            values remembered per first_seen key
//     save_interval_ms: 30000                   time between saves for a source without checkpoints (a
//                                               checkpointing source saves it with its checkpoint; also at the end)
import type { ConfigView } from '../core/config-view.js';

export interface StatefulConfig {
  stateFile?: string;
  maxKeys: number;
  maxValues: number;
  saveIntervalMs: number;
}

export function readStatefulConfig(view: ConfigView): StatefulConfig {
  const k = (key: string) => ['stateful', key];
  const config: StatefulConfig = {
    maxKeys: view.num(k('max_keys'), 100_000, { min: 1 }),
    maxValues: view.num(k('max_values'), 64, { min: 1 }),
    saveIntervalMs: view.num(k('save_interval_ms'), 30_000, { min: 1 }),
  };
  const stateFile = view.str(k('state_file'));
  if (stateFile) config.stateFile = stateFile;
  return config;
}
