// Loading the WebAssembly engine: the module is compiled once per process (workers receive the compiled
// WebAssembly.Module and only instantiate it). Exports are called raw, with pointers and lengths; a usize
// result must be read with `>>> 0`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KawaError } from '../core/errors.js';

/** wasm/engine.wasm at the package root; this file runs from src/engine (tests) or dist/engine (package). */
export const WASM_PATH = fileURLToPath(new URL('../../wasm/engine.wasm', import.meta.url));

let compiled: WebAssembly.Module | undefined;

/** The compiled engine WebAssembly module, compiled once per thread and cached. */
export function engineModule(): WebAssembly.Module {
  if (!compiled) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(WASM_PATH);
    } catch {
      throw new KawaError('KAWA_ERR_WASM', `cannot read ${WASM_PATH}: run "npm run build" first`);
    }
    compiled = new WebAssembly.Module(new Uint8Array(bytes));
  }
  return compiled;
}

/** The raw exports of one instance. Each part of the engine declares the exports it uses. */
export type RawExports = WebAssembly.Exports & { memory: WebAssembly.Memory; _initialize: () => void };

/** What the module imports: the local clock of a Unix second (assembly/render.ts), as Date reads it. */
const imports = {
  env: {
    localClock(sec: number): number {
      const d = new Date(sec * 1000);
      return d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds();
    },
  },
};

export function instantiateEngine(module: WebAssembly.Module = engineModule()): RawExports {
  const instance = new WebAssembly.Instance(module, imports);
  const exports = instance.exports as RawExports;
  exports._initialize();
  return exports;
}
