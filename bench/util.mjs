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

/** Prints a markdown table under a heading with the machine and commit; returns the text printed. */
export function printTable(title, rows) {
  const env = environment();
  const keys = Object.keys(rows[0]);
  const text = [
    `\n## ${title}\n${env.cpu} x${env.cores}, Node ${env.node}, commit ${env.commit}, ${env.date}\n`,
    `| ${keys.join(' | ')} |\n|${keys.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${keys.map((k) => (typeof r[k] === 'number' ? (Number.isInteger(r[k]) ? r[k] : r[k].toFixed(r[k] < 10 ? 2 : 0)) : r[k])).join(' | ')} |`),
  ].join('\n');
  console.log(text);
  return text;
}
