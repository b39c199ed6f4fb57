#!/usr/bin/env node
// Bundles the command line (dist/cli/main.js and the ~150 modules of kawa it reaches) into a few files in
// dist/cli-bundle/, which bin/kawa.js starts. Loading one module per source file costs a command about 60 ms
// before it does anything (resolving, reading and compiling each file: bench/RESULTS.md, start-up); the bundle
// keeps what the command line loads only on demand (each kind of source, the emulator) in chunks of their own.
// Packages stay outside, loaded from node_modules as the library loads them: several find their own files
// at run time (piscina's worker, pino's transports), which a bundle would move. The worker threads' entries
// are bundled too, under their own names beside the command line's modules: a worker loads one file instead
// of about 40 (half of a worker's start: bench/RESULTS.md, start-up), and the code that starts a worker
// finds its entry beside itself (`./worker.js`), from dist/pool/ as from the bundle. The library entry
// (dist/index.js) is not bundled; whatever else the bundle refers to by path (the WebAssembly, rules,
// package.json) is found relative to a directory at the same depth as dist/cli/, so the same code works
// from either.
import { rmSync } from 'node:fs';
import { build } from 'rolldown';

const out = 'dist/cli-bundle';
rmSync(out, { recursive: true, force: true });
await build({
  // the names of the workers' entries are the files' names in dist/ (see above)
  input: { main: 'dist/cli/main.js', worker: 'dist/pool/worker.js', 'load-worker': 'dist/runtime/load-worker.js' },
  platform: 'node',
  // bare specifiers (packages, node: builtins) are loaded at run time; only kawa's own files are bundled
  external: (id) => !id.startsWith('.') && !id.startsWith('/'),
  output: { dir: out, format: 'esm' },
  logLevel: 'warn',
});
