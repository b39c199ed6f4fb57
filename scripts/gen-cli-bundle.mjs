#!/usr/bin/env node
// Bundles the command line (dist/cli/main.js and the ~150 modules of kawa it reaches) into a few files in
// dist/cli-bundle/, which bin/kawa.js starts. Loading one module per source file costs a command about 60 ms
// before it does anything (resolving, reading and compiling each file: bench/RESULTS.md, start-up); the bundle
// keeps what the command line loads only on demand (each kind of source, the emulator) in chunks of their own.
//
// Packages: those in BUNDLED, and the packages they use, are bundled too (about 40 ms less per command for
// their ~200 CommonJS files); their licences are collected into THIRD-PARTY-LICENSES.txt beside the bundle.
// They are plain JavaScript that finds nothing of its own by path. The others stay outside, loaded from
// node_modules as the library loads them: piscina and pino find their own files at run time (piscina's
// worker, pino's transports), which a bundle would move; the AWS SDK and ajv load only when used.
//
// The entries of the worker threads and of a reload's child process are bundled too, under their own names
// beside the command line's modules: a worker loads one file instead of about 40 (half of a worker's start:
// bench/RESULTS.md, start-up), and the code that starts one finds its entry beside itself (`./worker.js`),
// from dist/pool/ as from the bundle. The library entry (dist/index.js) is not bundled; whatever else the bundle refers to by path (the
// WebAssembly, rules, package.json) is found relative to a directory at the same depth as dist/cli/, so the
// same code works from either.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'rolldown';

const BUNDLED = ['yaml', 'prom-client', 'commander', 'cli-progress'];
/** BUNDLED and every package one of them imports, as the build finds them. */
const bundled = new Set(BUNDLED);
const packageName = (id) => id.split('/').slice(0, id.startsWith('@') ? 2 : 1).join('/');
const packageOf = (path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path ?? '')?.[1];

// yaml's ES module build (the one its package gives browsers; the same code as its CommonJS build for Node):
// bundled as ES modules it is hoisted into kawa's chunk and what kawa never calls is dropped, where its
// CommonJS build is wrapped whole and run at start, about 8 ms of every command's start-up (bench/RESULTS.md,
// step 31). What differs does not reach kawa: `!!binary` values become Uint8Array rather than Buffer (kawa
// reads no binary tags), and yaml's rare warnings go to console.warn rather than process.emitWarning.
const yamlEsm = join(dirname(createRequire(import.meta.url).resolve('yaml/package.json')), 'browser/index.js');

const out = 'dist/cli-bundle';
rmSync(out, { recursive: true, force: true });
const { output } = await build({
  // the names of the entries are the files' names in dist/ (see above)
  input: { main: 'dist/cli/main.js', worker: 'dist/pool/worker.js', 'load-child': 'dist/runtime/load-child.js', 'pipe-reader': 'dist/sources/file/pipe-reader.js' },
  platform: 'node',
  resolve: { alias: { yaml: yamlEsm } },
  // node's own modules and the packages not bundled are loaded at run time
  external: (id, importer) => {
    if (id.startsWith('.') || id.startsWith('/') || id.startsWith('\0')) return false;
    if (isBuiltin(id)) return true;
    const name = packageName(id);
    if (!bundled.has(name) && !bundled.has(packageOf(importer))) return true;
    bundled.add(name);
    return false;
  },
  output: { dir: out, format: 'esm' },
  logLevel: 'warn',
});

// the licences of the packages now inside the bundle travel with it: each package directory a bundled
// module came from (a nested copy of a package is its own entry)
const packageDirs = new Set(output.flatMap((chunk) => Object.keys(chunk.modules ?? {}))
  .map((path) => /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1]).filter(Boolean));
const notices = [...packageDirs].sort().map((dir) => {
  const { name, version, license } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((f) => /^(licen[sc]e|copying)/i.test(f));
  if (!file) throw new Error(`${name}: no licence file to put beside the bundle`);
  return `${name} ${version} (${license})\n\n${readFileSync(join(dir, file), 'utf8').trim()}\n`;
});
writeFileSync(join(out, 'THIRD-PARTY-LICENSES.txt'), `Packages bundled into kawa's command line (scripts/gen-cli-bundle.mjs):\n\n${notices.join('\n\n')}`);
