// Events shaped to be read one way by the rules and acted on another way by the API server (issue 15, item
// 14). kawa keeps Falco's reading (the first of duplicate keys; a value cut at \u0000) so that rules mean
// what they mean in Falco, and flags such events: kawa.duplicate_keys (an object of the request body has a
// key twice) and kawa.nul_value (a string holds \u0000), which the pack alerts on.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const RULES = `
- rule: Privileged
  desc: a privileged container, as Falco reads it
  condition: ka.verb = create and ka.req.pod.containers.privileged intersects (true)
  output: privileged %ka.auditid
  priority: WARNING
  source: k8s_audit
- rule: Shaped
  desc: an event shaped to hide from the rules
  condition: kawa.duplicate_keys = true or kawa.nul_value = true
  output: shaped %ka.auditid dup=%kawa.duplicate_keys nul=%kawa.nul_value user=%ka.user.name
  priority: WARNING
  source: k8s_audit
`;

/** An audit event with the given raw text for its user name and its request body. */
const event = (id: string, username: string, requestObject: string) =>
  `{"kind":"Event","auditID":"${id}","verb":"create","stageTimestamp":"2026-11-01T12:00:00.000000Z","user":{"username":"${username}"},` +
  `"objectRef":{"resource":"pods","namespace":"default","name":"p"},"requestObject":${requestObject}}`;
const pod = (securityContext: string) => `{"kind":"Pod","spec":{"containers":[{"name":"c","image":"nginx","securityContext":${securityContext}}]}}`;

const EVENTS = [
  event('plain', 'alice', pod('{"privileged":false}')),
  event('dup', 'alice', pod('{"privileged":false,"privileged":true}')),
  // the same key spelled with an escape: equal once unescaped, as the API server reads it
  event('dup-escaped', 'alice', pod('{"privileged":false,"privil\\u0065ged":true}')),
  // equal keys in different objects are not duplicates
  event('same-key-elsewhere', 'alice', '{"metadata":{"name":"a"},"spec":{"name":"b"}}'),
  event('nul', 'system:admin\\u0000-hidden', pod('{}')),
  // an escaped backslash followed by the text u0000 is no NUL
  event('not-nul', 'alice\\\\u0000', pod('{}')),
  // duplicates outside the request body are not flagged (the API server wrote them)
  `{"kind":"Event","auditID":"resp","verb":"get","stageTimestamp":"2026-11-01T12:00:00.000000Z","responseObject":{"a":1,"a":2}}`,
];

function run(): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'kawa-evasion-'));
  writeFileSync(join(dir, 'rules.yaml'), RULES);
  writeFileSync(join(dir, 'events.jsonl'), EVENTS.join('\n') + '\n');
  const out = execFileSync(process.execPath, ['bin/kawa.js', 'run', '-r', join(dir, 'rules.yaml'), '-e', join(dir, 'events.jsonl'), '--json', '-o', 'webserver.enabled=false'], { encoding: 'utf8' });
  return out.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { output: string }).output.replace(/^\S+: \S+ /, ''));
}

describe('events shaped to hide from the rules', () => {
  it('are read as Falco reads them, and flagged', () => {
    const alerts = run();
    expect(alerts.filter((a) => a.startsWith('privileged'))).toEqual([]);
    expect(alerts.filter((a) => a.startsWith('shaped'))).toEqual([
      'shaped dup dup=true nul=false user=alice',
      'shaped dup-escaped dup=true nul=false user=alice',
      // the user name is cut at the NUL, as in Falco
      'shaped nul dup=false nul=true user=system:admin',
    ]);
  });
});
