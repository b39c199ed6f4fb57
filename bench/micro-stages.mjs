// Per-stage cost of kawa's evaluation over the EKS corpus, to see where the time goes:
//   copy      the batch copied into WebAssembly memory, nothing else
//   parse     evaluateBatch with no rules: copy + parse + classify + timestamp (ingestion alone)
//   evaluate  evaluateBatch with the upstream rules, bytes already in memory (no copy, no decoding)
//   full      Engine.evaluate: copy + evaluate + decoding matches (what bench/engine.mjs measures)
// beside JSON.parse alone over the same events. ns per event.
//
//   node bench/micro-stages.mjs [--count N] [--batch B] [--wasm path/to/engine.wasm]
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { corpusFile, corpusLines, toBatches, UPSTREAM_RULES } from './corpus.mjs';
import { build, argValue, printTable } from './util.mjs';

const count = Number(argValue('--count', 20000));
const batchSize = Number(argValue('--batch', 256));
const wasmPath = argValue('--wasm', 'wasm/engine.wasm');
// a type error in a file another change is halfway through still leaves the emitted JavaScript usable
const out = (() => { try { return build(); } catch { console.warn('tsc reported errors; benchmarking the JavaScript it emitted'); return 'bench/out/build'; } })();
const { Engine } = await import(`../${out}/src/engine/engine.js`);
const { loadRulesFiles } = await import(`../${out}/src/rules/load.js`);
const module = new WebAssembly.Module(readFileSync(wasmPath));

const lines = corpusLines(corpusFile({ count }));
const strings = lines.map((b) => b.toString('utf8'));
const batches = toBatches(lines, batchSize);
const rules = loadRulesFiles([UPSTREAM_RULES]);
const full = Engine.create({ rules, ruleMatching: 'first', module });
const empty = Engine.create({ rules: { ok: true, errors: [], warnings: [], rules: [] }, module });

/** The engine's raw exports and one resident copy of every batch in its memory (for the no-copy stages). */
function resident(engine) {
  const vm = engine.vm;
  const total = batches.reduce((n, b) => n + b.offsets[b.count] + (b.count + 1) * 4 + 8, 0);
  const base = vm.inputReserve(total) >>> 0;
  const placed = [];
  let at = base;
  for (const b of batches) {
    const end = b.offsets[b.count];
    const offsetsAt = (at + end + 3) & ~3;
    new Uint8Array(vm.memory.buffer, at, end).set(b.data.subarray(0, end));
    new Uint32Array(vm.memory.buffer, offsetsAt, b.count + 1).set(b.offsets);
    placed.push({ data: at, offsets: offsetsAt, count: b.count });
    at = offsetsAt + (b.count + 1) * 4;
  }
  return { vm, placed };
}
// its own instance: Engine.evaluate reuses the input region and would overwrite the resident batches
const r = resident(Engine.create({ rules, ruleMatching: 'first', module }));

let sink = 0;
const parseOrZero = (s) => { try { return JSON.parse(s) ? 1 : 0; } catch { return 0; } };
const copyOnly = (vm) => {
  for (const b of batches) {
    const end = b.offsets[b.count];
    const ptr = vm.inputReserve(end + (b.count + 1) * 4 + 4) >>> 0;
    new Uint8Array(vm.memory.buffer, ptr, end).set(b.data.subarray(0, end));
    sink += ptr;
  }
};
const bench = new Bench({ name: 'stages', iterations: 5, time: 0, warmupIterations: 1, warmupTime: 0 });
bench
  .add('JSON.parse alone', () => { for (const s of strings) sink += parseOrZero(s); })
  .add('copy into wasm memory', () => copyOnly(empty.vm))
  .add('parse (ingest, no rules) incl. copy', () => { for (const b of batches) sink += empty.evaluate(b.data, b.offsets, b.count).events; })
  .add('evaluate, resident bytes', () => { for (const p of r.placed) sink += r.vm.evaluateBatch(p.data, p.offsets, p.offsets + 4, 0, p.count, 0, 0, 262144, 0n); })
  .add('full Engine.evaluate', () => { for (const b of batches) sink += full.evaluate(b.data, b.offsets, b.count).matches.length; });
await bench.run();
for (const t of bench.tasks) if (t.result.state !== 'completed') throw t.result.error ?? new Error(`${t.name}: ${t.result.state}`);
const rows = bench.tasks.map((t) => ({ stage: t.name, nsPerEvent: (t.result.latency.mean * 1e6) / lines.length }));
for (const row of rows) row.ratioToJsonParse = row.nsPerEvent / rows[0].nsPerEvent;
printTable(`stages: ${lines.length} events, ${wasmPath}`, rows);
if (sink === -1) console.log(sink);
