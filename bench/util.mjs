// Shared helpers of the benchmark scripts.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

export function argValue(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

/** Compiles src/ and the reference evaluator into bench/out/build (the reference lives in test/). */
export function build() {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.bench.json'], { stdio: 'inherit' });
  return 'bench/out/build';
}

/** Machine, Node version and commit: printed with every result. */
export function environment() {
  let commit = 'unknown';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, commit, date: new Date().toISOString() };
}

export function printTable(title, rows) {
  const env = environment();
  console.log(`\n## ${title}\n${env.cpu} x${env.cores}, Node ${env.node}, commit ${env.commit}, ${env.date}\n`);
  const keys = Object.keys(rows[0]);
  console.log(`| ${keys.join(' | ')} |\n|${keys.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${keys.map((k) => (typeof r[k] === 'number' ? (Number.isInteger(r[k]) ? r[k] : r[k].toFixed(r[k] < 10 ? 2 : 0)) : r[k])).join(' | ')} |`);
}
