// start(): kawa embedded in one call, as the README's embedding example does it: a run over files, and the
// audit webhook as a service, with alerts as events and as an iterator, health, metrics, reload and stop.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { start, type KawaAlert } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kawa-start-'));
const quiet = { stdout_output: { enabled: false }, log_level: 'error' };

describe('start()', () => {
  it('runs over files: every alert as an event and through the iterator, then ends', async () => {
    const kawa = await start({ rules: ['rules/'], source: { events: ['samples/eks-audit.jsonl.gz'] }, config: quiet });
    let events = 0;
    kawa.on('alert', () => events++);
    const rules: string[] = [];
    for await (const a of kawa.alerts()) rules.push(a.rule);
    const stats = await kawa.done;
    expect(rules).toHaveLength(41);
    expect(events).toBe(41);
    expect(stats.alerts).toBe(41);
    expect(rules).toContain('Pod Exec or Attach');
  });

  it('serves the audit webhook: alerts arrive, health and metrics answer, reload and stop work', async () => {
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, '- rule: Pod created\n  desc: d\n  condition: ka.verb=create and ka.target.resource=pods\n  output: "pod %ka.target.name"\n  priority: WARNING\n  source: k8s_audit\n');
    const kawa = await start({
      rules: [rules],
      config: { ...quiet, webserver: { enabled: false }, webhook: { listen_address: '127.0.0.1', listen_port: 0 } },
      source: { webhook: true },
    });
    expect(kawa.health.notReady).toBeUndefined();
    expect(kawa.health.live).toBe(true);
    const got: KawaAlert[] = [];
    kawa.on('alert', (a: KawaAlert) => got.push(a));
    // the webhook's port: from its own log-free handle, the source
    const url = kawa.source.url!;
    const event = { kind: 'Event', auditID: 'a1', verb: 'create', objectRef: { resource: 'pods', name: 'web-1', namespace: 'default' }, stageTimestamp: '2026-11-01T12:00:00.000000Z' };
    const res = await fetch(url, { method: 'POST', body: JSON.stringify(event), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(got.map((a) => a.output_fields?.['ka.target.name'])).toEqual(['web-1']);
    expect(await kawa.metrics.text()).toMatch(/^kawa_events_parsed_total 1$/m);
    expect(await kawa.reload()).toBe(true);
    await kawa.stop();
    await kawa.done;
    expect(kawa.health.notReady).toBeDefined();
  });

  it('says what is wrong with a coded error', async () => {
    await expect(start({ rules: ['rules/'], source: { events: ['samples/eks-audit.jsonl.gz'] }, overrides: ['no_such_key=1'] })).rejects.toMatchObject({ code: 'KAWA_ERR_USAGE' });
    await expect(start({ rules: [join(dir, 'missing.yaml')], source: { events: ['x'] } })).rejects.toMatchObject({ code: 'LOAD_ERR_FILE_READ' });
  });
});
