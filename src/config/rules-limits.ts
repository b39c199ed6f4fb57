// The `rules_limits` keys of falco.yaml (kawa's own): how large a rules file may be, and the time and memory
// a hot reload may take to compile the new rules in its child process before it is refused (the running
// rules stay). The fixed limits on expansion, depth, aliases and widths are in rules/limits.ts.
//
//   rules_limits:
//     max_file_bytes: 16777216       a larger rules file is refused with LOAD_ERR_FILE_TOO_LARGE
//     reload_timeout_ms: 60000       a reload compiling longer is refused with LOAD_ERR_LOAD_BUDGET
//     reload_max_memory_mb: 1024     a reload needing more heap is refused with LOAD_ERR_LOAD_BUDGET
import type { ConfigView } from '../core/config-view.js';
import { DEFAULT_MAX_FILE_BYTES } from '../rules/limits.js';

export interface RulesLimitsConfig {
  maxFileBytes: number;
  reloadTimeoutMs: number;
  reloadMaxMemoryMb: number;
}

export function readRulesLimits(view: ConfigView): RulesLimitsConfig {
  const k = (key: string) => ['rules_limits', key];
  return {
    maxFileBytes: view.num(k('max_file_bytes'), DEFAULT_MAX_FILE_BYTES, { min: 1 }),
    reloadTimeoutMs: view.num(k('reload_timeout_ms'), 60_000, { min: 1 }),
    // below ~64 MB a Node.js process can hardly start its own modules
    reloadMaxMemoryMb: view.num(k('reload_max_memory_mb'), 1024, { min: 64 }),
  };
}
