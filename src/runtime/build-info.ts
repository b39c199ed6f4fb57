// What this kawa is: its version (package.json), the commit it was built from (build-info.json, written by
// scripts/gen-build-info.mjs), the Node.js running it, the version of its WebAssembly program format and the
// Falco rules engine version it implements. Shown by `kawa version` and as the kawa_build_info metric.
import { readFileSync } from 'node:fs';
import { VERSION as PROGRAM_VERSION } from '../compile/bytecode.js';
import { ENGINE_VERSION } from '../rules/versions.js';

export interface BuildInfo {
  version: string;
  commit: string;
  node: string;
  /** The compiled program format the WebAssembly engine runs. */
  engine: string;
  /** The Falco rules engine version kawa implements (required_engine_version is checked against it). */
  rulesEngine: string;
}

const readJson = (path: string): Record<string, unknown> => {
  try {
    return JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
};

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  // this module runs from src/runtime (tests) or dist/runtime (the package): both two levels below the root
  cached ??= {
    version: String(readJson('../../package.json').version ?? 'unknown'),
    commit: String(readJson('../../build-info.json').commit ?? 'unknown'),
    node: process.versions.node,
    engine: String(PROGRAM_VERSION),
    rulesEngine: ENGINE_VERSION,
  };
  return cached;
}
