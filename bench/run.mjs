// `npm run bench [-- --quick] [-- --write]`: the whole benchmark suite, each figure beside its baseline.
//   bench/engine.mjs        single-thread evaluation vs JSON.parse and the reference evaluator
//   bench/micro-stages.mjs  per-stage costs (copy, parse, evaluate, decode)
//   bench/micro-format.mjs  alert formatting (JSON alert, text line) vs JSON.stringify of the output fields
//   bench/micro.mjs         rules load + compile vs YAML parsing; field extraction vs JSON.parse
//   bench/macro.mjs         replay events/s for 1..N workers vs the main thread, RSS, main-thread busy share
//   bench/latency.mjs       event-to-alert latency at a steady 5,000 events/s
//   bench/process.mjs       the whole `kawa run` process for 0, 1, 2 workers vs JSON.parse of every line and
//                           the Go fastjson floor, peak RSS, main-thread share, start-up
// --quick: smaller corpora and fewer runs (under a minute once the corpora are cached in bench/out/).
// --write: also puts the output of the pool's benchmarks (micro, macro, latency) into bench/RESULTS.md,
// between its markers, leaving the rest of the file as it is.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const quick = process.argv.includes('--quick');
const write = process.argv.includes('--write');
const flags = quick ? ['--quick'] : [];
/** What the generated tables cannot say, kept with them. */
const NOTES = `## Pool, replay and latency (bench/micro.mjs, bench/macro.mjs, bench/latency.mjs)

- simdjson is a documented comparison only (not installed, not to be added): on this machine the npm binding
  measured \`simdjson.parse\` 32,498-35,624 ns and \`lazyParse\` + one \`valueForKeyPath\` 72,857-83,371 ns per
  3,048-B audit event, against 14,711-16,372 ns for \`JSON.parse\` (docs: ../shared/spec/toolchain.md section 4),
  i.e. 2-5x slower than the JSON.parse baseline kawa is compared with below.
- The machine's 2 cores are shared with other work: macro.mjs prints, in the same run, how many cores 1..N
  spinning threads obtained, the ceiling for the scaling ratio at that moment.
- Memory: \`--repeat 2\` over the 500,000-event corpus replays 1,000,000 events; the RSS quartiles show whether
  it stays flat.
`;
const BEGIN = '<!-- pool benchmarks: begin (bench/run.mjs --write) -->';
const END = '<!-- pool benchmarks: end -->';

execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
const run = (script) => {
  const out = execFileSync(process.execPath, [script, ...flags], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  process.stdout.write(out);
  return out;
};

const started = performance.now();
for (const script of ['bench/engine.mjs', 'bench/micro-stages.mjs', 'bench/micro-format.mjs', 'bench/process.mjs']) if (existsSync(script)) run(script);
const ours = ['bench/micro.mjs', 'bench/macro.mjs', 'bench/latency.mjs'].map(run).join('');
console.log(`\nbench: ${((performance.now() - started) / 1000).toFixed(1)} s${quick ? ' (--quick)' : ''}`);

if (write) {
  const path = 'bench/RESULTS.md';
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
  const section = `${BEGIN}\n${NOTES}\n${ours.trim()}\n${END}`;
  const at = text.indexOf(BEGIN);
  const next = at >= 0 ? text.slice(0, at) + section + text.slice(text.indexOf(END) + END.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
}
