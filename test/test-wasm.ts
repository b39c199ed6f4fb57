// The test build of the engine (wasm/engine.test.wasm, built by `npm run build` from assembly/test-exports.ts):
// the release exports plus the entry points only tests call, so the release module carries no test hooks.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { instantiateEngine, type RawExports } from '../src/engine/wasm-module.js';

const TEST_WASM = fileURLToPath(new URL('../wasm/engine.test.wasm', import.meta.url));
let compiled: WebAssembly.Module | undefined;

/** A fresh instance of the test build. */
export function instantiateTestEngine(): RawExports {
  if (!compiled) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(TEST_WASM);
    } catch {
      throw new Error(`cannot read ${TEST_WASM}: run "npm run build" first`);
    }
    compiled = new WebAssembly.Module(new Uint8Array(bytes));
  }
  return instantiateEngine(compiled);
}
