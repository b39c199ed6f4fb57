// The demo's attacker and what came of it. AttackFeeder writes one attack event at a time (bob@example.com
// doing what the project's rules look for: a privileged pod, an exec, a host mount, a cluster-admin binding,
// an aws-auth change padded past CloudWatch's limit, ...) into the generated cluster's audit streams, and
// keeps the CloudWatch event id of each; AlertTally stands in front of the outputs and counts the alerts that
// reached them, by rule and by event id, so the summary can say whether each attack alerted exactly once.
import type { RunningEmulator } from '../emulator/index.js';
import type { Alert, AlertSink } from '../pipeline/types.js';

/** Writes one attack event at a time into the cluster's audit streams, at a jittered interval. */
export class AttackFeeder {
  /** CloudWatch event ids of the attacks written so far. */
  readonly injected: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private n = 0;

  constructor(private readonly emu: RunningEmulator, private readonly group: string, private readonly everyMs: number) {}

  start(): void {
    this.schedule(Math.min(1000, this.everyMs));
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Attacks written that have not reached the outputs yet. */
  pending(tally: AlertTally): number {
    return this.injected.filter((id) => !tally.byEvent.has(id)).length;
  }

  /** "12 attacks injected, each alerted once", or which were not. */
  report(tally: AlertTally): string {
    const counts = this.injected.map((id) => tally.byEvent.get(id) ?? 0);
    const missed = counts.filter((c) => c === 0).length;
    const repeated = counts.filter((c) => c > 1).length;
    if (!missed && !repeated) return `${counts.length} attacks injected, each alerted once`;
    return `${counts.length} attacks injected: ${missed} not alerted, ${repeated} alerted more than once`;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.inject();
      this.schedule(this.everyMs * (0.5 + Math.random()));
    }, ms);
  }

  private inject(): void {
    const stream = this.emu.control.generators()[0]?.streams[0];
    if (!stream) return;
    const now = this.emu.control.now();
    const attack = ATTACKS[this.n++ % ATTACKS.length]!;
    const { eventIds } = this.emu.control.insert({ group: this.group, events: [{ stream, timestamp: now, message: JSON.stringify(attack(now, this.n)) }] });
    this.injected.push(...eventIds);
  }
}

/** The outputs, counting the alerts that reach them (after any dedup in front). */
export class AlertTally implements AlertSink {
  alerts = 0;
  /** Alerts by the event id they carry. */
  readonly byEvent = new Map<string, number>();
  private readonly byRule = new Map<string, number>();

  constructor(private readonly outputs: AlertSink) {}

  get lineFormat() {
    return this.outputs.lineFormat;
  }

  emit(alerts: Alert[]): Promise<void> {
    this.alerts += alerts.length;
    for (const a of alerts) {
      this.byRule.set(a.match.rule.name, (this.byRule.get(a.match.rule.name) ?? 0) + 1);
      if (a.eventId !== undefined) this.byEvent.set(a.eventId, (this.byEvent.get(a.eventId) ?? 0) + 1);
    }
    return this.outputs.emit(alerts);
  }

  flush(): Promise<void> {
    return this.outputs.flush();
  }

  close(): Promise<void> {
    return this.outputs.close();
  }

  /** "14 alerts: 3 Rule A, 2 Rule B, ...", most frequent rule first. */
  describe(): string {
    const rulesSeen = [...this.byRule].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} ${r}`).join(', ');
    return `${this.alerts} alert${this.alerts === 1 ? '' : 's'}${rulesSeen ? `: ${rulesSeen}` : ''}`;
  }
}

type Attack = (ms: number, n: number) => Record<string, unknown>;

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');
const BOB = { username: 'bob@example.com', groups: ['developers', 'system:authenticated'] };
const KUBECTL = 'kubectl/v1.30.2 (linux/amd64) kubernetes/3968350';

function event(ms: number, n: number, verb: string, objectRef: Record<string, unknown>, more: Record<string, unknown> = {}): Record<string, unknown> {
  const ns = objectRef.namespace ? `/namespaces/${objectRef.namespace}` : '';
  const group = objectRef.apiGroup ? `/apis/${objectRef.apiGroup}/v1` : '/api/v1';
  return {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'RequestResponse', auditID: `d3m0a77a-0000-4000-8000-${String(n).padStart(12, '0')}`,
    stage: 'ResponseComplete', requestURI: `${group}${ns}/${objectRef.resource}${objectRef.name ? `/${objectRef.name}` : ''}${objectRef.subresource ? `/${objectRef.subresource}` : ''}`,
    verb, user: BOB, sourceIPs: ['203.0.113.24'], userAgent: KUBECTL, objectRef: { apiVersion: 'v1', ...objectRef },
    responseStatus: { metadata: {}, code: verb === 'create' ? 201 : 200 }, ...more,
    requestReceivedTimestamp: iso(ms), stageTimestamp: iso(ms + 3),
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by RoleBinding "dev" of ClusterRole "edit" to Group "developers"' },
  };
}

function pod(name: string, ns: string, spec: Record<string, unknown>, image = 'busybox:1.36'): Record<string, unknown> {
  return { kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'main', image, command: ['sh'] }], ...spec } };
}

const podCreate = (name: string, ns: string, spec: Record<string, unknown>, image?: string): Attack => (ms, n) =>
  event(ms, n, 'create', { resource: 'pods', namespace: ns, name: `${name}-${n}` }, {
    requestObject: pod(`${name}-${n}`, ns, spec, image), responseObject: { kind: 'Pod', apiVersion: 'v1', metadata: { name: `${name}-${n}`, namespace: ns } },
  });

const ATTACKS: Attack[] = [
  (ms, n) => {
    const p = pod(`debug-${n}`, 'default', {}) as { spec: { containers: Record<string, unknown>[] } };
    p.spec.containers[0]!.securityContext = { privileged: true };
    return event(ms, n, 'create', { resource: 'pods', namespace: 'default', name: `debug-${n}` }, { requestObject: p, responseObject: { kind: 'Pod', metadata: { name: `debug-${n}`, namespace: 'default' } } });
  },
  (ms, n) => ({ ...event(ms, n, 'create', { resource: 'pods', namespace: 'payments', name: `api-7d9f8b6c5-x${n}`, subresource: 'exec' }, { level: 'Request', stage: 'ResponseStarted', responseStatus: { metadata: {}, code: 101 } }),
    requestURI: `/api/v1/namespaces/payments/pods/api-7d9f8b6c5-x${n}/exec?command=sh&container=api&stdin=true&stdout=true&tty=true` }),
  podCreate('escape', 'default', { hostPID: true, volumes: [{ name: 'host', hostPath: { path: '/' } }] }, 'alpine:3.20'),
  (ms, n) => event(ms, n, 'create', { resource: 'clusterrolebindings', name: `bob-admin-${n}`, apiGroup: 'rbac.authorization.k8s.io' }, {
    requestObject: { kind: 'ClusterRoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: `bob-admin-${n}` },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob@example.com' }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' } },
  }),
  podCreate('netdbg', 'default', { hostNetwork: true }, 'nicolaka/netshoot:v0.13'),
  (ms, n) => event(ms, n, 'create', { resource: 'configmaps', namespace: 'payments', name: `legacy-config-${n}` }, {
    requestObject: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: `legacy-config-${n}`, namespace: 'payments' }, data: { aws_access_key_id: 'AKIAIOSFODNN7EXAMPLE', aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } },
  }),
  (ms, n) => event(ms, n, 'patch', { resource: 'configmaps', namespace: 'kube-system', name: 'aws-auth' }, {
    // padded past CloudWatch's limit: it arrives cut, and kawa still reads who changed what
    requestObject: { data: { mapRoles: `- rolearn: arn:aws:iam::123456789012:role/attacker\n  username: admin\n  groups: [system:masters]\n${'#'.repeat(300_000)}` } },
  }),
  podCreate('miner', 'kube-system', {}, 'xmrig/xmrig:6.21'),
  (ms, n) => event(ms, n, 'create', { resource: 'clusterroles', name: `everything-${n}`, apiGroup: 'rbac.authorization.k8s.io' }, {
    requestObject: { kind: 'ClusterRole', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: `everything-${n}` }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
  }),
];
