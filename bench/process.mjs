// The whole process (issue 17): the real CLI, `kawa run -r <upstream rules> --json -e FILE --workers N` with
// its alerts to /dev/null, timed from spawn to exit (start-up, rules compile, reading, evaluation, alert
// formatting and shutdown included), beside two baselines run as whole processes in the same run over the
// same file: JSON.parse of every line (bench/json-lines-parse.mjs) and, when Go and fastjson are installed,
// a Go program that parses every line with valyala/fastjson and reads 9 fields (bench/go-floor/). The tasks
// take turns within each round, so a busy moment of the shared machine hits them all alike; each figure is
// the median of the rounds (bestVs*: the ratios of the fastest rounds, which a busy neighbour of the shared
// machine disturbed least). Also: peak RSS (/usr/bin/time, else the kernel's high-water mark sampled), the
// CPU the process used (cores = CPU time / wall) and its main thread's own CPU share; and start-up: process
// start to the first alert written for a 1-event file (an event the upstream rules alert on), beside bare
// `node -e 0`, with the rules cache (the default: the rules found there) and without it (--no-rules-cache).
// Every kawa run keeps its rules cache under DIR (XDG_CACHE_HOME), which one run fills before the timing:
// the figures are those of a user's second and later runs, and the first run's is the --no-rules-cache row.
//
//   node bench/process.mjs [--quick] [--counts 200000,1000000] [--runs 5] [--workers 0,1,2] [--dir DIR]
//                          [--kawa CHECKOUT] [--compare CHECKOUT] [--startup-only] [--gzip-all] [--write]
// --kawa times the kawa of another built checkout than this one; --compare also times a second one (e.g. a
// worktree of the commit before a change) in the same rounds, so that a change is judged by figures from
// the same moments of the machine. The first corpus (every one with --gzip-all) is also read as a .gz,
// beside inflating it alone (bench/inflate-only.mjs), and into `kawa run -e -` through a pipe and as stdin (`< FILE`).
// --startup-only times the start-up alone. Each corpus also gets a chart
// (Mermaid, as GitHub draws it): events/s of each task, start-up included. --write puts the tables and
// charts into bench/RESULTS.md between its markers, leaving the rest of the file as it is.
// The corpora (EKS events, truncation at 10,000 characters) are generated once into DIR (default: the
// system's temp directory) and reused by later runs.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { cpus } from 'node:os';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { corpusFile, UPSTREAM_RULES } from './corpus.mjs';
import { argValue, printTable } from './util.mjs';

const quick = process.argv.includes('--quick');
const startupOnly = process.argv.includes('--startup-only');
const write = process.argv.includes('--write');
/** What --write puts into RESULTS.md: every table and chart printed. */
const report = [];
const counts = argValue('--counts', quick ? '20000' : '200000,1000000').split(',').map(Number);
const runs = Number(argValue('--runs', quick ? 3 : 5));
const workerCounts = argValue('--workers', '0,1,2').split(',').map(Number);
const dir = argValue('--dir', join(tmpdir(), 'kawa-bench-process'));
const compare = argValue('--compare', undefined);
/** How the compared checkout is named in the tables: its commit, else its path. */
const compareName = (() => {
  if (!compare) return '';
  try { return `commit ${execFileSync('git', ['-C', compare, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()}`; } catch { return compare; }
})();
const kawa = (checkout) => [join(checkout, 'bin/kawa.js'), 'run', '-r', resolve(UPSTREAM_RULES), '--json'];
const KAWA = kawa(argValue('--kawa', '.'));
const TIME = '/usr/bin/time';
const CLOCK_TICK = 100; // USER_HZ: /proc's utime and stime are in 1/100 s on Linux

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The Go floor's binary, built once; undefined when Go or fastjson is missing. */
function goFloor() {
  const out = 'bench/out/go-floor';
  try {
    mkdirSync('bench/out', { recursive: true });
    execFileSync('go', ['build', '-o', out, './bench/go-floor'], { stdio: 'ignore', env: { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode' } });
    return out;
  } catch {
    console.log('(no Go floor: `go build ./bench/go-floor` failed; Debian: apt-get install golang-go golang-github-valyala-fastjson-dev)');
    return undefined;
  }
}

/**
 * The process at or under `root` whose executable is `exe` (node under /usr/bin/time, or under a shell's pipe),
 * or undefined. By executable, not by name: Node 24 renames its main thread, and so the process, "MainThread".
 */
function processUnder(root, exe) {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  const under = (pid) => pid === root || (pid > 1 && parents.has(pid) && under(parents.get(pid)));
  for (const pid of parents.keys()) {
    if (!under(pid)) continue;
    try {
      if (readlinkSync(`/proc/${pid}/exe`) === exe) return pid;
    } catch { /* gone, or not ours to read */ }
  }
  return undefined;
}

/** CPU seconds of thread `tid` of process `pid`, or undefined once it is gone. */
function threadCpu(pid, tid) {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICK;
  } catch {
    return undefined;
  }
}

/** The kernel's peak RSS of `pid` in MB, or undefined once it is gone. */
function highWater(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `cmd args` with stdout to /dev/null (and `stdin.file` written into its stdin through a pipe, as `cat`
 * would, or opened as its stdin, as a shell's `< file` does); wall seconds from spawn to exit, peak RSS (MB), CPU seconds (user + system, every thread) and the
 * main thread's CPU seconds (sampled every 20 ms until it exits).
 */
function timed(cmd, args, stdin) {
  const viaTime = existsSync(TIME);
  const report = join(dir, `time-${process.pid}.txt`);
  const devnull = openSync('/dev/null', 'w');
  const redirected = stdin?.how === 'redirect' ? openSync(stdin.file, 'r') : undefined;
  const stdio = [redirected ?? 'ignore', devnull, 'pipe'];
  let line = viaTime ? [TIME, '-f', '%M %U %S', '-o', report, cmd, ...args] : [cmd, ...args];
  // a shell's pipe, as `cat FILE | kawa run -e -` gives (spawn would give the child a socket); the time
  // taken and the CPU counted are the command's, cat's CPU is not among them
  if (stdin?.how === 'pipe') line = ['sh', '-c', 'f=$1; shift; cat "$f" | exec "$@"', 'sh', stdin.file, ...line];
  const t0 = performance.now();
  const child = spawn(line[0], line.slice(1), { stdio });
  closeSync(devnull);
  if (redirected !== undefined) closeSync(redirected);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exe = realpathSync(cmd);
  let pid;
  let mainCpu = 0, peak = 0;
  const sampler = setInterval(() => {
    pid ??= processUnder(child.pid, exe);
    if (pid === undefined) return;
    mainCpu = threadCpu(pid, pid) ?? mainCpu;
    peak = highWater(pid) ?? peak;
  }, 20);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      let cpu;
      if (viaTime) {
        const [kb, user, sys] = readFileSync(report, 'utf8').trim().split('\n').pop().split(' ').map(Number);
        peak = kb / 1024;
        cpu = user + sys;
      }
      resolve({ seconds, peakMb: peak, cpu, mainCpu, stderr });
    });
  });
}

/** The first of the corpus's events that the upstream rules alert on, as a 1-event file. */
async function alertingEvent(file) {
  const { Engine, loadRulesFiles } = await import('../dist/index.js');
  const engine = Engine.create({ rules: loadRulesFiles([UPSTREAM_RULES]) });
  const head = readFileSync(file).subarray(0, 4 << 20).toString('utf8').split('\n').slice(0, -1);
  const line = head.find((l) => engine.evaluateOne(l).matches.length > 0);
  if (!line) throw new Error(`no event of the first ${head.length} of ${file} raises an alert`);
  const one = join(dir, 'one-alerting-event.jsonl');
  writeFileSync(one, `${line}\n`);
  return one;
}

/** Process start to the first byte of stdout (the alert), and to exit. */
function firstOutput(args) {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let first;
  child.stdout.on('data', () => (first ??= performance.now() - t0));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ firstMs: first ?? NaN, exitMs: performance.now() - t0 }) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

/** A bar chart of events/s per task (Mermaid xychart, as GitHub renders it in markdown). */
function chart(count, bars) {
  const text = [
    '',
    '```mermaid',
    'xychart-beta',
    `  title "${count.toLocaleString('en')} events: events/s, whole process, start-up included (${cpus().length} cores)"`,
    `  x-axis [${bars.map((b) => JSON.stringify(b.label)).join(', ')}]`,
    '  y-axis "events/s"',
    `  bar [${bars.map((b) => Math.round(b.perSecond)).join(', ')}]`,
    '```',
  ].join('\n');
  console.log(text);
  return text;
}

mkdirSync(dir, { recursive: true });
// the runs' rules cache: here, not in the home of whoever runs the benchmark
process.env.XDG_CACHE_HOME = join(dir, 'cache-home');
const go = goFloor();
console.log(`whole process: kawa run --json (upstream rules) vs JSON.parse of every line${go ? ' and the Go fastjson floor' : ''}; median of ${runs}`);

/** The corpus gzipped beside it (made once): archives are read as .gz. */
async function gzipped(file) {
  const gz = `${file}.gz`;
  if (!existsSync(gz)) {
    await pipeline(createReadStream(file), createGzip(), createWriteStream(`${gz}.part`));
    renameSync(`${gz}.part`, gz);
  }
  return gz;
}

// one event that alerts (the start-up rows'), and one run over it that keeps the rules in the cache
const one = await alertingEvent(corpusFile({ count: counts[0], dir }));
await firstOutput([...KAWA, '-e', one, '--workers', '0']);

for (const [n, count] of (startupOnly ? [] : counts).entries()) {
  const file = corpusFile({ count, dir });
  // the first corpus is also read gzipped (all of them with --gzip-all), beside inflating it alone
  const gz = n === 0 || process.argv.includes('--gzip-all') ? await gzipped(file) : undefined;
  // suffix: how the input is read ('', ', .gz', ', stdin', ', stdin < file'); stdin: the file into `-e -`
  const kawaTasks = (name, checkout, input, suffix, stdin) => workerCounts.map((w) => ({
    task: `${name}--workers ${w}${suffix}`, workers: w, input: suffix, stdin, cmd: process.execPath, args: [...kawa(checkout), '-e', input, '--workers', String(w)],
  }));
  const tasks = [
    { task: 'JSON.parse of every line (baseline)', cmd: process.execPath, args: ['bench/json-lines-parse.mjs', file] },
    ...(go ? [{ task: 'Go fastjson + 9 fields (floor)', cmd: go, args: [file] }] : []),
    ...kawaTasks('kawa run ', argValue('--kawa', '.'), file, ''),
    ...(compare ? kawaTasks(`${compareName}: `, compare, file, '') : []),
    ...(gz ? [
      { task: 'inflating the .gz alone (zlib stream, baseline)', cmd: process.execPath, args: ['bench/inflate-only.mjs', gz] },
      ...kawaTasks('kawa run ', argValue('--kawa', '.'), gz, ', .gz'),
      ...(compare ? kawaTasks(`${compareName}: `, compare, gz, ', .gz') : []),
      // the same file through a pipe (`cat FILE | kawa run -e -`), and as stdin (`kawa run -e - < FILE`)
      ...kawaTasks('kawa run ', argValue('--kawa', '.'), '-', ', stdin', { file, how: 'pipe' }),
      ...(compare ? kawaTasks(`${compareName}: `, compare, '-', ', stdin', { file, how: 'pipe' }) : []),
      ...kawaTasks('kawa run ', argValue('--kawa', '.'), '-', ', stdin < file', { file, how: 'redirect' }),
      ...(compare ? kawaTasks(`${compareName}: `, compare, '-', ', stdin < file', { file, how: 'redirect' }) : []),
    ] : []),
  ];
  const samples = tasks.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < tasks.length; i++) samples[i].push(await timed(tasks[i].cmd, tasks[i].args, tasks[i].stdin));
  }
  const stat = samples.map((s) => ({
    seconds: median(s.map((x) => x.seconds)),
    best: Math.min(...s.map((x) => x.seconds)),
    cpu: s[0].cpu === undefined ? undefined : median(s.map((x) => x.cpu)),
    peakMb: Math.max(...s.map((x) => x.peakMb)),
    cores: s[0].cpu === undefined ? undefined : median(s.map((x) => x.cpu / x.seconds)),
    main: median(s.map((x) => x.mainCpu / x.seconds)),
    alerts: /Events detected: (\d+)/.exec(s[0].stderr)?.[1] ?? '',
  }));
  const jsonS = stat[0].seconds;
  const goS = go ? stat[1].seconds : undefined;
  const oneWorker = (t) => tasks.findIndex((u) => u.workers === 1 && u.task.includes(':') === t.task.includes(':') && u.input === t.input);
  report.push(printTable(`whole process: ${count} events (${file}), median of ${runs}`, tasks.map((t, i) => ({
    task: t.task,
    seconds: stat[i].seconds,
    usPerEvent: ((stat[i].seconds * 1e6) / count).toFixed(2),
    vsJsonParse: stat[i].seconds / jsonS,
    vsGo: goS ? stat[i].seconds / goS : '',
    bestVsJsonParse: stat[i].best / stat[0].best,
    bestVsGo: go ? stat[i].best / stat[1].best : '',
    cpuUsPerEvent: stat[i].cpu === undefined ? '' : ((stat[i].cpu * 1e6) / count).toFixed(2),
    speedupVs1Worker: t.workers && oneWorker(t) >= 0 ? stat[oneWorker(t)].seconds / stat[i].seconds : '',
    cores: stat[i].cores ?? '',
    mainThreadCores: t.workers !== undefined ? stat[i].main : '',
    peakRssMb: Math.round(stat[i].peakMb),
    alerts: stat[i].alerts,
    spreadS: samples[i].map((x) => x.seconds.toFixed(2)).join(' '),
  }))));
  report.push(chart(count, tasks.map((t, i) => ({ label: t.task.replace(/ \((baseline|floor)\)$/, '').replace(/ \(zlib stream, baseline\)$/, '').replace(/^kawa run /, 'kawa '), perSecond: count / stat[i].seconds }))));
}

// start-up: one event that alerts, so the first byte of stdout is the first event evaluated (and written)
const startup = [
  { task: 'node -e 0 (bare Node start and exit)', args: ['-e', 'process.stdout.write("x")'] },
  { task: 'kawa run --workers 0, 1 event', args: [...KAWA, '-e', one, '--workers', '0'] },
  { task: 'kawa run --workers 2, 1 event', args: [...KAWA, '-e', one, '--workers', '2'] },
  { task: 'kawa run --workers 0 --no-rules-cache, 1 event', args: [...KAWA, '-e', one, '--workers', '0', '--no-rules-cache'] },
  { task: 'kawa run --workers 2 --no-rules-cache, 1 event', args: [...KAWA, '-e', one, '--workers', '2', '--no-rules-cache'] },
  ...(compare ? [0, 2].map((w) => ({ task: `${compareName}: --workers ${w}, 1 event`, args: [...kawa(compare), '-e', one, '--workers', String(w)] })) : []),
];
const st = startup.map(() => []);
for (let r = 0; r < runs; r++) for (let i = 0; i < startup.length; i++) st[i].push(await firstOutput(startup[i].args));
report.push(printTable(`start-up: process start to the first alert written (1-event file, upstream rules), median of ${runs}`, startup.map((s, i) => ({
  task: s.task,
  firstOutputMs: median(st[i].map((x) => x.firstMs)),
  exitMs: median(st[i].map((x) => x.exitMs)),
  spreadMs: st[i].map((x) => Math.round(x.firstMs)).join(' '),
}))));

if (write) {
  const BEGIN = '<!-- process benchmark: begin (bench/process.mjs --write) -->';
  const END = '<!-- process benchmark: end -->';
  const path = 'bench/RESULTS.md';
  const text = readFileSync(path, 'utf8');
  const section = `${BEGIN}\n${report.join('\n').trim()}\n${END}`;
  const at = text.indexOf(BEGIN);
  writeFileSync(path, at >= 0 ? text.slice(0, at) + section + text.slice(text.indexOf(END) + END.length) : `${text.trimEnd()}\n\n${section}\n`);
}
