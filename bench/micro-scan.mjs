// Scanning cost per event against JSON.parse, over 256 distinct EKS audit events (ns/event):
//   JSON.parse                       JSON.parse of the event text
//   kawa parse (bytes resident)      beginEvent on bytes already in WebAssembly memory: the lenient parse
//                                    (every byte read and checked, nested bodies left lazy), auditID lookup
//   kawa copy + parse                the same after copying the event's bytes into wasm memory
//   JSON.parse + .user.username      one field the JavaScript way
//   kawa copy + parse + ka.user.name one field through the extractor, decoded to a JS string
//   JSON.parse + requestObject...    a deep field (first container image of a pod create, else missing)
//   kawa ... ka.req.pod.containers.image   the same field: opens the lazy request body
//
//   node bench/micro-scan.mjs [--wasm path/to/engine.wasm] [--time ms]
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { corpusFile, corpusLines } from './corpus.mjs';
import { argValue, build, printTable } from './util.mjs';

const wasmPath = argValue('--wasm', 'wasm/engine.wasm');
const time = Number(argValue('--time', 1500));
// a type error in a file another change is halfway through still leaves the emitted JavaScript usable
const out = (() => { try { return build(); } catch { console.warn('tsc reported errors; benchmarking the JavaScript it emitted'); return 'bench/out/build'; } })();
const { instantiateEngine } = await import(`../${out}/src/engine/wasm-module.js`);
const { findField } = await import(`../${out}/src/fields/registry.js`);

const all = corpusLines(corpusFile({ count: 20000 }));
// 256 events spread over the corpus, pod creations included so the deep field sometimes has a value
const picked = all.filter((_, i) => i % 64 === 0).slice(0, 240).concat(all.filter((l) => l.includes('"verb":"create"') && l.includes('"resource":"pods"')).slice(0, 16));
const strings = picked.map((b) => b.toString('utf8'));
const vm = instantiateEngine(new WebAssembly.Module(readFileSync(wasmPath)));
// the resident events, then room for one copied event (and slack for 16-byte loads)
const base = vm.inputReserve(picked.reduce((n, b) => n + b.length, 0) + Math.max(...picked.map((b) => b.length)) + 64) >>> 0;
const spans = [];
let at = base;
for (const b of picked) {
  new Uint8Array(vm.memory.buffer).set(b, at);
  spans.push([at, b.length]);
  at += b.length;
}
const userName = findField('ka.user.name').id;
const image = findField('ka.req.pod.containers.image').id;

/** Copies event i to a scratch place after the resident ones and parses it there. */
const copyAt = at;
function copyAndParse(i) {
  const b = picked[i];
  new Uint8Array(vm.memory.buffer, copyAt, b.length).set(b);
  return vm.beginEvent(copyAt, b.length);
}
function fieldString(id) {
  const mark = vm.valuesMark();
  const n = vm.extractField(id, 0, 0, -1n);
  if (n === 0) return null;
  const p = vm.valuePtr(mark) >>> 0;
  return Buffer.from(vm.memory.buffer, p, vm.valueLen(mark)).toString('utf8');
}

let sink = 0;
const bench = new Bench({ name: 'scan', time, warmupTime: 300 });
bench
  .add('JSON.parse', () => { for (const s of strings) sink += JSON.parse(s).kind.length; })
  .add('kawa parse (bytes resident)', () => { for (const [p, n] of spans) sink += vm.beginEvent(p, n); })
  .add('kawa copy + parse', () => { for (let i = 0; i < picked.length; i++) sink += copyAndParse(i); })
  .add('JSON.parse + .user.username', () => { for (const s of strings) sink += JSON.parse(s).user.username.length; })
  .add('kawa copy + parse + ka.user.name', () => { for (let i = 0; i < picked.length; i++) { copyAndParse(i); sink += fieldString(userName)?.length ?? 0; } })
  .add('JSON.parse + requestObject.spec.containers[0].image', () => {
    for (const s of strings) sink += JSON.parse(s).requestObject?.spec?.containers?.[0]?.image?.length ?? 0;
  })
  .add('kawa copy + parse + ka.req.pod.containers.image', () => { for (let i = 0; i < picked.length; i++) { copyAndParse(i); sink += fieldString(image)?.length ?? 0; } });
await bench.run();
for (const t of bench.tasks) if (t.result.state !== 'completed') throw t.result.error ?? new Error(`${t.name}: ${t.result.state}`);
const rows = bench.tasks.map((t) => ({ task: t.name, nsPerEvent: (t.result.latency.mean * 1e6) / picked.length }));
for (const r of rows) r.ratioToJsonParse = r.nsPerEvent / rows[0].nsPerEvent;
printTable(`scan: ${picked.length} distinct events, ${(picked.reduce((n, l) => n + l.length, 0) / picked.length) | 0} B/event, ${wasmPath}`, rows);
if (sink === -1) console.log(sink);
