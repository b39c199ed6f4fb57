// Stateful rules (the `kawa:` key, docs/stateful-rules.md) on real files: `kawa validate` accepts them and
// names each bad value with LOAD_ERR_VALIDATE at file:line:col; `kawa run` counts, learns and suppresses by
// event time, gives the same alerts with 0, 1 and 2 workers, and carries its state across a restart through
// stateful.state_file; the library (start()) reports the kawa_stateful_* metrics and the caps' evictions.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { start, type KawaAlert } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kawa-stateful-'));
const T0 = Date.UTC(2026, 10, 5, 10, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

function kawa(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/kawa.js', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const RULES = `
- rule: Secret read
  desc: a secret read
  condition: ka.verb = get and ka.target.resource = secrets
  output: "secret read (user=%ka.user.name secret=%ka.target.name)"
  priority: WARNING
  source: k8s_audit
  kawa:
    threshold: {count: 3, window: 5m, by: [ka.user.name]}
- rule: New address
  desc: a service account from a new address
  condition: ka.user.name startswith "system:serviceaccount:"
  output: "service account (user=%ka.user.name audit_id=%ka.auditid)"
  priority: NOTICE
  source: k8s_audit
  kawa:
    first_seen: {key: [ka.user.name], value: [ka.sourceips], learn: 24h}
- rule: Refused
  desc: a refused request
  condition: ka.response.code = 403
  output: "refused (user=%ka.user.name audit_id=%ka.auditid)"
  priority: NOTICE
  source: k8s_audit
  kawa:
    suppress: {window: 10m, by: [ka.user.name]}
`;
const rulesFile = join(dir, 'stateful.yaml');
writeFileSync(rulesFile, RULES);

let seq = 0;
function event(ms: number, user: string, o: { verb?: string; resource?: string; code?: number; ip?: string } = {}): string {
  const time = new Date(ms).toISOString().replace('Z', '000Z');
  return JSON.stringify({
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `st-${++seq}`, stage: 'ResponseComplete', verb: o.verb ?? 'get',
    requestURI: '/x', user: { username: user }, sourceIPs: [o.ip ?? '10.0.0.1'], userAgent: 'test',
    objectRef: { resource: o.resource ?? 'secrets', namespace: 'default', name: `n${seq}` }, responseStatus: { code: o.code ?? 200 },
    requestReceivedTimestamp: time, stageTimestamp: time,
  });
}

// The events, in time order: a threshold reached once (then counting starts over), a service account
// learning then seen from a new address, and refusals folded into one alert per 10 minutes.
const part1 = [
  event(T0, 'alice'), event(T0 + MIN, 'alice'), event(T0 + 10 * MIN, 'alice'), // third one out of the window: no alert
  event(T0 + 11 * MIN, 'alice'), event(T0 + 12 * MIN, 'alice'), // 3 within 5m (10, 11, 12): alert
  event(T0, 'system:serviceaccount:a:b', { resource: 'pods', ip: '10.0.0.1' }),
  event(T0 + HOUR, 'system:serviceaccount:a:b', { resource: 'pods', ip: '10.0.0.2' }), // learning
  event(T0, 'mallory', { resource: 'pods', code: 403 }), event(T0 + MIN, 'mallory', { resource: 'pods', code: 403 }),
  event(T0 + 2 * MIN, 'mallory', { resource: 'pods', code: 403 }),
];
const part2 = [
  event(T0 + 25 * HOUR, 'system:serviceaccount:a:b', { resource: 'pods', ip: '10.0.0.2' }), // seen
  event(T0 + 25 * HOUR + 1, 'system:serviceaccount:a:b', { resource: 'pods', ip: '203.0.113.9' }), // new: alert
  event(T0 + 25 * HOUR, 'mallory', { resource: 'pods', code: 403 }), // after the window: alert, 2 suppressed
];
const file1 = join(dir, 'part1.jsonl');
const file2 = join(dir, 'part2.jsonl');
const both = join(dir, 'both.jsonl');
writeFileSync(file1, part1.join('\n') + '\n');
writeFileSync(file2, part2.join('\n') + '\n');
writeFileSync(both, [...part1, ...part2].join('\n') + '\n');

interface Alert { rule: string; output: string; output_fields: Record<string, unknown> }
function run(files: string[], extra: string[] = []): Alert[] {
  const r = kawa(['run', '-r', rulesFile, ...files.flatMap((f) => ['-e', f]), '--json', '-o', 'rule_matching=all', ...extra]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Alert);
}
const brief = (alerts: Alert[]) => alerts.map((a) => `${a.rule} ${String(a.output_fields['ka.auditid'])}`);

describe('kawa validate', () => {
  it('accepts a rules file with kawa: keys, without warnings', () => {
    const r = kawa(['validate', '-r', rulesFile, '--json']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { errors?: unknown[]; warnings?: unknown[] };
    expect(report.errors ?? []).toEqual([]);
    expect(report.warnings ?? []).toEqual([]);
    const listed = JSON.parse(kawa(['list-rules', '-r', rulesFile, '--json']).stdout) as { name: string; stateful?: unknown }[];
    expect(listed[0]!.stateful).toEqual({ threshold: { count: 3, windowMs: 300_000, by: ['ka.user.name'] }, fields: ['ka.auditid', 'ka.user.name'] });
  });

  // each bad value, and the text the error must point at (line 8 of the file)
  const bad: [string, string, string, RegExp][] = [
    ['duration', '    threshold: {count: 3, window: 5 minutes, by: [ka.user.name]}', '5 minutes', /kawa\.threshold\.window: '5 minutes' is not a duration/],
    ['count', '    threshold: {count: 1, window: 5m, by: [ka.user.name]}', '1,', /kawa\.threshold\.count: '1' is not an integer from 2/],
    ['part', '    thresh: {count: 3}', 'thresh', /kawa: unknown key 'thresh'/],
    ['key', '    suppress: {window: 5m, by: [ka.user.name], every: 1}', 'every', /kawa\.suppress: unknown key 'every'/],
    ['fields', '    suppress: {window: 5m, by: []}', '[]', /kawa\.suppress\.by: expected a non-empty list of fields/],
    ['field', '    suppress: {window: 5m, by: ["not a field"]}', '"not a field"', /kawa\.suppress\.by: 'not a field' is not a field name/],
    ['missing', '    first_seen: {key: [ka.user.name], learn: 1h}', 'first_seen', /kawa\.first_seen\.value: missing/],
  ];

  it('names a field kawa does not know at the kawa key', () => {
    const file = join(dir, 'unknown-field.yaml');
    writeFileSync(file, ['- rule: R', '  desc: d', '  condition: ka.verb = get', '  output: "o %ka.user.name"', '  priority: WARNING', '  source: k8s_audit',
      '  kawa:', '    suppress: {window: 5m, by: [ka.no.such]}', ''].join('\n'));
    const report = JSON.parse(kawa(['validate', '-r', file, '--json']).stdout) as { errors: { code: string; message: string; line: number; column: number }[] };
    expect(report.errors[0]).toMatchObject({ code: 'LOAD_ERR_VALIDATE', line: 7, column: 3, message: 'kawa: unknown filter: ka.no.such' });
  });

  it('refuses the kawa key on an override of a rule (state belongs to the definition)', () => {
    const file = join(dir, 'override.yaml');
    writeFileSync(file, ['- rule: Secret read', '  condition: and ka.user.name = x', '  override:', '    condition: append', '  kawa:', '    suppress: {window: 5m, by: [ka.user.name]}', ''].join('\n'));
    const r = kawa(['validate', '-r', rulesFile, '-r', file, '--json']);
    const report = JSON.parse(r.stdout) as { errors: { code: string; message: string; line: number; column: number }[] };
    expect(report.errors[0]).toMatchObject({ code: 'LOAD_ERR_VALIDATE', line: 5, column: 3 });
    expect(report.errors[0]!.message).toContain("only a rule's definition may have the kawa key");
  });
  for (const [name, line, at, message] of bad) {
    it(`names a bad ${name} with LOAD_ERR_VALIDATE at its place`, () => {
      const file = join(dir, `bad-${name}.yaml`);
      writeFileSync(file, ['- rule: R', '  desc: d', '  condition: ka.verb = get', '  output: "o %ka.user.name"', '  priority: WARNING', '  source: k8s_audit\n  kawa:', line, ''].join('\n'));
      const r = kawa(['validate', '-r', file, '--json']);
      expect(r.status).not.toBe(0);
      const report = JSON.parse(r.stdout) as { errors: { code: string; message: string; line: number; column: number; file: string }[] };
      expect(report.errors[0]).toMatchObject({ code: 'LOAD_ERR_VALIDATE', line: 8, column: line.indexOf(at) + 1, file });
      expect(report.errors[0]!.message).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

describe('kawa run', () => {
  const expected = ['Secret read st-5', 'Refused st-8', 'New address st-12', 'Refused st-13'];

  it('counts, learns and suppresses by event time, and says so in the alert', () => {
    const alerts = run([both]);
    expect(brief(alerts)).toEqual(expected);
    const [threshold, , firstSeen, suppressed] = alerts;
    expect(threshold!.output_fields).toMatchObject({
      'kawa.threshold.count': '3', 'kawa.threshold.window': '5m', 'kawa.threshold.first': '2026-11-05T10:10:00.000Z',
      'kawa.threshold.last': '2026-11-05T10:12:00.000Z', 'kawa.threshold.sample': ['st-3', 'st-4', 'st-5'],
    });
    expect(threshold!.output).toContain('(kawa: 3 matches within 5m, 2026-11-05T10:10:00.000Z to 2026-11-05T10:12:00.000Z)');
    expect(firstSeen!.output_fields).toMatchObject({ 'kawa.first_seen.key': 'system:serviceaccount:a:b', 'kawa.first_seen.value': '203.0.113.9' });
    expect(suppressed!.output_fields['kawa.suppressed']).toBe('2');
    expect(suppressed!.output).toContain('(kawa: 2 repeats suppressed since the previous alert)');
    // the end-of-run statistics count alerts, not the matches the state held
    const text = kawa(['run', '-r', rulesFile, '-e', both, '-o', 'rule_matching=all']);
    expect(text.stdout).toContain('Events detected: 4\n');
    expect(text.stdout).toContain('   Refused: 2\n');
  });

  it('gives the same alerts with 0, 1 and 2 workers', () => {
    const outs = [0, 1, 2].map((w) => run([both], ['--workers', String(w)]).map((a) => JSON.stringify(a)));
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[2]).toEqual(outs[0]);
  });

  it('keeps its state across a restart in stateful.state_file: two runs alert as one', () => {
    const state = join(dir, 'state.json');
    const opt = ['-o', `stateful.state_file=${state}`];
    const first = run([file1], opt);
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { version: number; entries: unknown[] };
    expect(saved.version).toBe(1);
    expect(saved.entries.length).toBeGreaterThan(0);
    const second = run([file2], opt);
    expect(brief([...first, ...second])).toEqual(expected);
    // without the state the second run learns again and forgets the refusals it suppressed
    expect(brief(run([file2]))).toEqual(['Refused st-13']);
  });

  it('refuses to start on a damaged state file, naming it, with KAWA_ERR_STATE_FILE', () => {
    const state = join(dir, 'damaged.json');
    writeFileSync(state, '{"version":1,"entries":[["x",{"k":"t"}]]}');
    const r = kawa(['run', '-r', rulesFile, '-e', file1, '-o', `stateful.state_file=${state}`]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('KAWA_ERR_STATE_FILE');
    expect(r.stderr).toContain(state);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('start() (the library)', () => {
  it('reports the state in kawa_stateful_* metrics and counts evictions at max_keys and max_values', async () => {
    const k = await start({
      rules: [rulesFile], source: { events: [both] },
      config: { stdout_output: { enabled: false }, log_level: 'error', rule_matching: 'all', stateful: { max_keys: 1, max_values: 1 } },
    });
    const alerts: KawaAlert[] = [];
    k.on('alert', (a: KawaAlert) => alerts.push(a));
    const stats = await k.done;
    expect(stats.alerts, 'alerts let out, not matches').toBe(alerts.length);
    const metrics = await k.metrics.text();
    expect(metrics).toMatch(/^kawa_stateful_keys 1$/m);
    expect(metrics).toMatch(/^kawa_stateful_evictions_total\{what="keys"\} [1-9]/m);
    expect(metrics).toMatch(/^kawa_stateful_evictions_total\{what="values"\} [1-9]/m);
    expect(metrics).toMatch(/^kawa_stateful_held_total\{reason="below_threshold"\} [1-9]/m);
    expect(alerts.every((a) => a.rule !== 'New address' || a.output_fields?.['kawa.first_seen.value'] !== undefined)).toBe(true);
    await k.stop?.();
  });
});
