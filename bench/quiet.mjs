// How quiet the rule pack is on normal EKS traffic, and whether it alerts on every attack the corpus
// generator injects. Three runs of `kawa run -r rules/ --json -o rule_matching=all` (every matching rule
// alerts, so the counts are an upper bound of what the default `first` matching prints):
//
//   1. normal:  --count N --attack-rate 0: alerts per rule, alerts per 100,000 events (budget: 1).
//   2. attacks: --attack-rate 1: every generated event is an attack, by construction; each must alert.
//   3. mixed:   --attack-rate R (the generator's default 0.001): attacks inside normal traffic. Attack events
//      are recognised by the signatures of the generator's attack table (ATTACKS below); the signatures
//      are checked first to match every event of run 2 and no event of run 1, so they identify exactly
//      the injected events. Every attack must alert; an alert on any other event is a false positive.
//
//   node bench/quiet.mjs [--count 1000000] [--attacks 20000] [--mixed 1000000] [--attack-rate 0.001]
//                        [--seed 1] [--truncate-at 0,10000] [--keep] [--json]
//
// Corpora are generated once into $TMPDIR/kawa-quiet/ (about 1.5 GB per million events) and reused by later
// runs with the same parameters; --keep leaves them there, otherwise they are deleted at the end.
// --truncate-at cuts longer events as CloudWatch does ("[Truncated...]"); 0 cuts nothing, like CloudWatch's own
// 256 KB limit on the generator's events. By default the three runs are made at both settings, 0 and 10000
// (which cuts the large node-status patches every cluster sends): the budget holds for each. Exits 1 if a
// budget or an attack check fails.
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { argValue } from './util.mjs';

const GENERATOR = '../shared/corpus/gen-eks-audit.mjs';
const COUNT = Number(argValue('--count', 1_000_000));
const ATTACKS_COUNT = Number(argValue('--attacks', 20_000));
const MIXED = Number(argValue('--mixed', 1_000_000));
const ATTACK_RATE = Number(argValue('--attack-rate', 0.001));
const SEED = Number(argValue('--seed', 1));
const TRUNCATIONS = String(argValue('--truncate-at', '0,10000')).split(',').map(Number);
const KEEP = process.argv.includes('--keep');
const JSON_OUT = process.argv.includes('--json');
const BUDGET_PER = 100_000; // at most one alert per this many normal events

// The generator's attack table (gen-eks-audit.mjs `attacks`), one signature per entry, from what each entry
// writes and the normal generators never do.
const ATTACKS = [
  ['privileged pod', (e) => e.objectRef?.resource === 'pods' && !e.objectRef.subresource && e.objectRef.name?.startsWith('debug-')],
  ['hostNetwork pod', (e) => e.objectRef?.resource === 'pods' && !e.objectRef.subresource && e.objectRef.name?.startsWith('netdbg-')],
  ['hostPath + hostPID pod', (e) => e.objectRef?.resource === 'pods' && !e.objectRef.subresource && e.objectRef.name?.startsWith('escape-')],
  ['exec/attach', (e) => e.objectRef?.resource === 'pods' && ['exec', 'attach'].includes(e.objectRef.subresource)],
  ['cluster-admin binding', (e) => e.objectRef?.resource === 'clusterrolebindings' && e.objectRef.name === 'bob-admin'],
  ['wildcard cluster role', (e) => e.objectRef?.resource === 'clusterroles' && e.objectRef.name === 'everything'],
  ['credentials in configmap', (e) => e.objectRef?.resource === 'configmaps' && e.objectRef.name === 'legacy-config'],
  ['anonymous secret read', (e) => e.user?.username === 'system:anonymous' && e.objectRef?.resource === 'secrets'],
  ['kube-system service account', (e) => e.objectRef?.resource === 'serviceaccounts' && e.objectRef.namespace === 'kube-system' && e.objectRef.name?.startsWith('helper-')],
  ['NodePort service', (e) => e.objectRef?.resource === 'services' && e.objectRef.name?.startsWith('expose-')],
  ['aws-auth change', (e) => e.objectRef?.resource === 'configmaps' && e.objectRef.name === 'aws-auth' && e.user?.username === 'bob@example.com'],
];
// Cheap pre-filter: every attack line contains one of these; only those lines are parsed.
const HINTS = ['bob@example.com', 'ci-deployer', 'system:anonymous', '"subresource":"exec"', '"subresource":"attach"'];

function attackKind(line) {
  if (!HINTS.some((h) => line.includes(h))) return undefined;
  const ev = JSON.parse(line.endsWith('[Truncated...]') ? '{}' : line);
  return ATTACKS.find(([, is]) => is(ev))?.[0];
}

const dir = join(tmpdir(), 'kawa-quiet');
const made = [];

function corpus(count, attackRate, truncateAt) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `eks-${count}-s${SEED}-a${attackRate}-t${truncateAt}.jsonl`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${count} events (attack rate ${attackRate}) into ${file}\n`);
    execFileSync(process.execPath, [GENERATOR, '--count', String(count), '--seed', String(SEED), '--attack-rate', String(attackRate),
      '--truncate-at', String(truncateAt), '--out', `${file}.part`], { stdio: 'inherit' });
    execFileSync('mv', [`${file}.part`, file]);
  }
  made.push(file);
  return file;
}

/** Runs `kawa run` over the file; returns the alerts (rule, audit ID) and the event count it reports. */
async function kawaRun(file) {
  const alertsFile = `${file}.alerts`;
  const child = spawn(process.execPath, ['bin/kawa.js', 'run', '-r', 'rules/', '-e', file, '--json', '-o', 'rule_matching=all', '--summary'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(createWriteStream(alertsFile));
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`kawa run exited ${code}: ${stderr}`);
  const events = Number(/kawa: (\d+) (?:events|payloads read)/.exec(stderr)?.[1]);
  const alerts = [];
  for await (const line of createInterface({ input: createReadStream(alertsFile) })) {
    if (!line) continue;
    const a = JSON.parse(line);
    alerts.push({ rule: a.rule, auditId: a.output_fields['ka.auditid'] });
  }
  rmSync(alertsFile);
  return { events, alerts };
}

/** Audit IDs of the attack events of a file, by kind, and how many lines it has. */
async function scanAttacks(file) {
  const byId = new Map();
  let lines = 0;
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (!line) continue;
    lines++;
    const kind = attackKind(line);
    if (kind) byId.set(/"auditID":"([^"]+)"/.exec(line)[1], kind);
  }
  return { byId, lines };
}

const countBy = (xs, key) => xs.reduce((m, x) => m.set(key(x), (m.get(key(x)) ?? 0) + 1), new Map());

/** For each attack kind: events, events alerted, and the rules that alerted on them. */
function attackTable(byId, alerts) {
  const rulesById = new Map();
  for (const a of alerts) if (byId.has(a.auditId)) (rulesById.get(a.auditId) ?? rulesById.set(a.auditId, new Set()).get(a.auditId)).add(a.rule);
  const rows = new Map(ATTACKS.map(([kind]) => [kind, { kind, events: 0, alerted: 0, rules: new Set() }]));
  for (const [id, kind] of byId) {
    const row = rows.get(kind);
    row.events++;
    const rules = rulesById.get(id);
    if (rules) { row.alerted++; for (const r of rules) row.rules.add(r); }
  }
  return [...rows.values()].map((r) => ({ ...r, rules: [...r.rules].sort() }));
}

const failures = [];
const result = { parameters: { count: COUNT, attacks: ATTACKS_COUNT, mixed: MIXED, attackRate: ATTACK_RATE, seed: SEED, truncateAt: TRUNCATIONS }, runs: {} };

/** The three runs over corpora cut at `truncateAt` (0: not cut); failures are named with the setting. */
async function runAll(truncateAt) {
  const run = {};
  const fail = (m) => failures.push(`truncate-at ${truncateAt}: ${m}`);

  // 1. normal traffic
  {
    const file = corpus(COUNT, 0, truncateAt);
    const { events, alerts } = await kawaRun(file);
    const scan = await scanAttacks(file);
    if (scan.byId.size) fail(`attack signatures matched ${scan.byId.size} events of the normal corpus`);
    const perRule = Object.fromEntries([...countBy(alerts, (a) => a.rule)].sort((a, b) => b[1] - a[1]));
    const per100k = (alerts.length * BUDGET_PER) / events;
    if (alerts.length > events / BUDGET_PER) fail(`normal traffic: ${alerts.length} alerts over ${events} events (budget ${Math.floor(events / BUDGET_PER)})`);
    run.normal = { events, alerts: alerts.length, per100k, budget: Math.floor(events / BUDGET_PER), perRule };
  }

  // 2. attacks only
  {
    const file = corpus(ATTACKS_COUNT, 1, truncateAt);
    const { events, alerts } = await kawaRun(file);
    const scan = await scanAttacks(file);
    if (scan.byId.size !== scan.lines) fail(`attack signatures matched ${scan.byId.size} of the ${scan.lines} attack events`);
    const alerted = new Set(alerts.map((a) => a.auditId));
    const missed = scan.lines - [...scan.byId.keys()].filter((id) => alerted.has(id)).length;
    if (missed) fail(`attack run: ${missed} of ${scan.lines} attack events raised no alert`);
    run.attacks = { events, attackEvents: scan.lines, alertedEvents: scan.lines - missed, alerts: alerts.length, byKind: attackTable(scan.byId, alerts) };
  }

  // 3. attacks mixed into normal traffic
  if (MIXED > 0) {
    const file = corpus(MIXED, ATTACK_RATE, truncateAt);
    const { events, alerts } = await kawaRun(file);
    const scan = await scanAttacks(file);
    const alerted = new Set(alerts.map((a) => a.auditId));
    const missed = [...scan.byId.keys()].filter((id) => !alerted.has(id)).length;
    const falsePositives = alerts.filter((a) => !scan.byId.has(a.auditId));
    if (missed) fail(`mixed run: ${missed} of ${scan.byId.size} attack events raised no alert`);
    if (falsePositives.length > events / BUDGET_PER) fail(`mixed run: ${falsePositives.length} alerts on normal events`);
    run.mixed = { events, attackEvents: scan.byId.size, alertedAttackEvents: scan.byId.size - missed, alerts: alerts.length,
      alertsOnNormalEvents: falsePositives.length, falsePositivesPerRule: Object.fromEntries(countBy(falsePositives, (a) => a.rule)) };
  }
  return run;
}

for (const t of TRUNCATIONS) result.runs[t] = await runAll(t);

if (!KEEP) for (const f of made) rmSync(f, { force: true });
result.failures = failures;

if (JSON_OUT) console.log(JSON.stringify(result, null, 2));
else {
  for (const [t, run] of Object.entries(result.runs)) {
    console.log(`## truncate-at ${t}${Number(t) ? '' : ' (nothing cut)'}`);
    const n = run.normal;
    console.log(`normal traffic (attack rate 0): ${n.events} events, ${n.alerts} alerts = ${n.per100k.toFixed(2)} per 100,000 events (budget ${n.budget})`);
    for (const [rule, c] of Object.entries(n.perRule)) console.log(`  ${c}  ${rule}`);
    const a = run.attacks;
    console.log(`attacks only (attack rate 1): ${a.attackEvents} attack events, ${a.alertedEvents} alerted, ${a.alerts} alerts`);
    console.log('| attack | events | alerted | rules |\n|---|---|---|---|');
    for (const r of a.byKind) console.log(`| ${r.kind} | ${r.events} | ${r.alerted} | ${r.rules.join(', ')} |`);
    if (run.mixed) {
      const m = run.mixed;
      console.log(`mixed (attack rate ${ATTACK_RATE}): ${m.events} events, ${m.attackEvents} attack events, ${m.alertedAttackEvents} alerted; `
        + `${m.alerts} alerts, ${m.alertsOnNormalEvents} on normal events`);
    }
  }
  console.log(failures.length ? `FAILED:\n  ${failures.join('\n  ')}` : 'OK');
}
process.exitCode = failures.length ? 1 : 0;
