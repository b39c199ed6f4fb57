// `kawa demo`: kawa watching an EKS cluster, on a machine with nothing but kawa. It starts the CloudWatch
// Logs emulator in this process, writes a realistic EKS audit stream into /aws/eks/demo/cluster (the
// emulator's generator: kubelet leases, controllers, EKS system users, pod creations, over two rotating
// kube-apiserver-audit-* streams) with an attack mixed in every few seconds, and runs the real CloudWatch
// source, engine and stdout output against it with the project's rules (rules/kawa-eks-rules.yaml). Alerts
// print as they happen, until Ctrl-C (or --duration seconds); then a summary goes to stderr.
//
//   kawa demo [--duration S] [--rate EVENTS_PER_S] [--attack-every S] [--json]
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { parseFalcoConfig } from '../config/falco-config.js';
import { startEmulator, type RunningEmulator } from '../emulator/index.js';
import { KawaError } from '../errors/codes.js';
import { OutputSink } from '../outputs/sink.js';
import { EngineEvaluator } from '../pipeline/engine-evaluator.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { loadRulesFiles } from '../rules/load.js';
import { createLogsClient } from '../sources/cloudwatch/client.js';
import { defaultCloudWatchConfig } from '../sources/cloudwatch/config.js';
import { CloudWatchSource } from '../sources/cloudwatch/source.js';
import { createLogger } from '../service/logger.js';
import { formatProblem } from './rules-options.js';

const CLUSTER = 'demo';
const GROUP = `/aws/eks/${CLUSTER}/cluster`;
const RULES = fileURLToPath(new URL('../../rules/kawa-eks-rules.yaml', import.meta.url));

export interface DemoOptions {
  duration?: number;
  rate?: number;
  attackEvery?: number;
  json?: boolean;
  /** Where alerts go (tests); default stdout. */
  stdout?: NodeJS.WritableStream;
}

export function register(program: Command, setExit: (code: number) => void): void {
  program.command('demo')
    .description('watch a simulated EKS cluster through a local CloudWatch emulator and print alerts (Ctrl-C stops)')
    .option('--duration <s>', 'stop after this many seconds', positive('--duration'))
    .option('--rate <n>', 'audit events per second (default 20)', positive('--rate'))
    .option('--attack-every <s>', 'seconds between attacks (default 4)', positive('--attack-every'))
    .option('--json', 'print alerts as JSON')
    .action(async (opts: DemoOptions) => setExit(await demo(opts)));
}

function positive(flag: string) {
  return (v: string) => {
    const n = Number(v);
    if (!(n > 0)) throw new KawaError('KAWA_ERR_USAGE', `${flag} expects a number > 0, got '${v}'`);
    return n;
  };
}

export async function demo(opts: DemoOptions): Promise<number> {
  const rules = loadRulesFiles([RULES], { sources: ['k8s_audit'] });
  if (!rules.ok) {
    for (const e of rules.errors) process.stderr.write(`${formatProblem(e, 'error')}\n`);
    return 1;
  }
  const emu = await startEmulator({
    config: {
      defaultAccessKeyId: 'demo',
      truncateAt: 262_144,
      generators: [{ group: GROUP, ratePerSec: opts.rate ?? 20, streams: 2, streamPrefix: 'kube-apiserver-audit-', rotateEveryMs: 120_000, ingestDelayMs: 800, truncateAt: 262_144 }],
    },
  });
  const config = { ...defaultCloudWatchConfig(CLUSTER), endpoint: emu.url, region: 'us-east-1', shiftMs: 5000 };
  const source = await CloudWatchSource.open(config, {
    client: createLogsClient(config, { credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } }),
    logger: createLogger({ level: 'warn' }),
  });
  const falco = parseFalcoConfig('', '');
  const format = { ...falco.outputs.format, ...(opts.json ? { jsonOutput: true } : {}) };
  const sink = new OutputSink({ ...falco.outputs, format }, { stdout: opts.stdout });
  const byRule = new Map<string, number>();
  const pipeline = new Pipeline(source, new EngineEvaluator(rules), sink, {
    onResult: (_batch, result) => { for (const m of result.matches) byRule.set(m.rule.name, (byRule.get(m.rule.name) ?? 0) + 1); },
  });
  process.stderr.write(`kawa demo: CloudWatch Logs emulator at ${emu.url}; cluster '${CLUSTER}' writes ${opts.rate ?? 20} audit events/s to ${GROUP}, `
    + `with an attack about every ${opts.attackEvery ?? 4} s; rules: ${RULES}\n`
    + `kawa demo: alerts print as kawa finds them${opts.duration ? ` for ${opts.duration} s` : '; Ctrl-C stops'}\n`);
  const attacks = new AttackFeeder(emu, (opts.attackEvery ?? 4) * 1000);
  const stop = () => void pipeline.stop();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const timer = opts.duration ? setTimeout(stop, opts.duration * 1000) : undefined;
  try {
    await pipeline.run();
  } finally {
    clearTimeout(timer);
    attacks.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await sink.close();
    await emu.close();
  }
  const s = source.stats;
  const rulesSeen = [...byRule].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} ${r}`).join(', ');
  process.stderr.write(`kawa demo: ${s.events} audit events read from CloudWatch (${s.requests} requests, ${s.foundByTier.slice(1).reduce((a, b) => a + b, 0)} found late by a re-check, `
    + `${s.truncated} truncated), ${pipeline.stats.alerts} alerts${rulesSeen ? `: ${rulesSeen}` : ''}\n`);
  return 0;
}

/** Writes one attack event at a time into the cluster's audit streams, at a jittered interval. */
class AttackFeeder {
  private timer: NodeJS.Timeout | undefined;
  private n = 0;

  constructor(private readonly emu: RunningEmulator, private readonly everyMs: number) {
    this.schedule(Math.min(1000, everyMs));
  }

  stop(): void {
    clearTimeout(this.timer);
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
    this.emu.control.insert({ group: GROUP, events: [{ stream, timestamp: now, message: JSON.stringify(attack(now, this.n)) }] });
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
