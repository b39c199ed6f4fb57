// What an IP list costs per event (docs/ip-lists.md): the upstream rules alone, and with one more rule
// reading kawa.sourceips.listed over a list of 100,000 ranges (half IPv4, half IPv6, from a file), beside
// JSON.parse of the same events in the same run. Every corpus event has source IPs, so the rule parses
// and searches on each one. Also the load: reading, checking and packing the 100,000 ranges.
//
//   node bench/ip-lists.mjs [--count N] [--ranges R] [--wasm path/to/engine.wasm]
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { corpusFile, corpusLines, toBatches, UPSTREAM_RULES } from './corpus.mjs';
import { argValue, build, printTable } from './util.mjs';

const count = Number(argValue('--count', 20000));
const rangeCount = Number(argValue('--ranges', 100000));
const wasmPath = argValue('--wasm', 'wasm/engine.wasm');
const out = (() => { try { return build(); } catch { console.warn('tsc reported errors; benchmarking the JavaScript it emitted'); return 'bench/out/build'; } })();
const { Engine, loadRulesFiles } = await import(`../${out}/src/index.js`);

const lines = corpusLines(corpusFile({ count }));
const strings = lines.map((b) => b.toString('utf8'));
const batches = toBatches(lines, 256);

// a deterministic list: random /24../32 IPv4 ranges and /48../128 IPv6 ranges
let seed = 7;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const octet = () => Math.floor(rnd() * 256);
const hex = () => Math.floor(rnd() * 65536).toString(16);
const entries = Array.from({ length: rangeCount }, (_, i) => (i % 2
  ? `${octet()}.${octet()}.${octet()}.${octet()}/${24 + Math.floor(rnd() * 9)}`
  : `2${hex().slice(1)}:${hex()}:${hex()}::/${48 + Math.floor(rnd() * 81)}`));
const dir = mkdtempSync(join(tmpdir(), 'kawa-bench-ipl-'));
writeFileSync(join(dir, 'threats.txt'), `${entries.join('\n')}\n`);
const listRules = join(dir, 'ip-rule.yaml');
writeFileSync(listRules, `- list: threats
  items: []
  kawa: {files: [threats.txt]}
- rule: Call from a listed address
  desc: any call from an address of the threat list
  condition: kawa.sourceips.listed[threats] exists
  output: "%ka.user.name from %kawa.sourceips.listed[threats]"
  priority: WARNING
  source: k8s_audit
`);

const module = new WebAssembly.Module(readFileSync(wasmPath));
const t0 = performance.now();
const withList = loadRulesFiles([UPSTREAM_RULES, listRules]);
const loadMs = performance.now() - t0;
if (!withList.ok) throw new Error(JSON.stringify(withList.errors));
const upstream = Engine.create({ rules: loadRulesFiles([UPSTREAM_RULES]), ruleMatching: 'all', module });
const listed = Engine.create({ rules: withList, ruleMatching: 'all', module });
// the rule alone, beside one rule that reads a plain field: the parse and the search without the other rules
const plainRules = join(dir, 'plain-rule.yaml');
writeFileSync(plainRules, readFileSync(listRules, 'utf8').replace('kawa.sourceips.listed[threats] exists', 'ka.verb = nothing').replace('%kawa.sourceips.listed[threats]', '%ka.verb'));
const plainOnly = Engine.create({ rules: loadRulesFiles([plainRules]), ruleMatching: 'all', module });
const listOnly = Engine.create({ rules: loadRulesFiles([listRules]), ruleMatching: 'all', module });

let sink = 0;
const parseOrZero = (s) => { try { return JSON.parse(s) ? 1 : 0; } catch { return 0; } };
const bench = new Bench({ name: 'ip-lists', iterations: 15, time: 0, warmupIterations: 1, warmupTime: 0 });
bench
  .add('JSON.parse alone', () => { for (const s of strings) sink += parseOrZero(s); })
  .add('kawa, upstream rules', () => { for (const b of batches) sink += upstream.evaluate(b.data, b.offsets, b.count).matches.length; })
  .add(`kawa, upstream rules + IP list of ${rangeCount} ranges`, () => { for (const b of batches) sink += listed.evaluate(b.data, b.offsets, b.count).matches.length; })
  .add('kawa, one rule reading ka.verb', () => { for (const b of batches) sink += plainOnly.evaluate(b.data, b.offsets, b.count).matches.length; })
  .add(`kawa, one rule reading the IP list of ${rangeCount} ranges`, () => { for (const b of batches) sink += listOnly.evaluate(b.data, b.offsets, b.count).matches.length; });
await bench.run();
for (const t of bench.tasks) if (t.result.state !== 'completed') throw t.result.error ?? new Error(`${t.name}: ${t.result.state}`);

const rows = bench.tasks.map((t) => ({ task: t.name, nsPerEvent: (t.result.latency.p50 * 1e6) / lines.length }));
const base = rows[0].nsPerEvent;
for (const r of rows) r.ratioToJsonParse = r.nsPerEvent / base;
const diff = (a, b) => ({ nsPerEvent: rows[a].nsPerEvent - rows[b].nsPerEvent, ratioToJsonParse: (rows[a].nsPerEvent - rows[b].nsPerEvent) / base });
rows.push({ task: 'IP list rule, added to the upstream rules (difference)', ...diff(2, 1) });
rows.push({ task: 'IP list rule alone, over one plain rule (difference)', ...diff(4, 3) });
printTable(`ip lists: ${lines.length} events, ${withList.ipLists.threats.count} merged ranges from ${rangeCount}, loaded in ${loadMs.toFixed(0)} ms (upstream rules + list)`, rows);
if (sink === -1) console.log(sink);
