// The Helm chart deploy/helm/kawa, rendered by the real helm v3 (scripts/helm-bin.mjs) for every example
// values file: `helm lint` passes; every rendered object is valid against the Kubernetes API schemas
// (kubernetes-models; the ServiceMonitor against the Prometheus Operator's); the pods meet the Pod Security
// "restricted" standard; each mode has the shape it promises (cloudwatch: one replica, Recreate, the
// checkpoint volume; kinesis: replicas, a PodDisruptionBudget, zone spread, the tables); and the rendered
// falco.yaml loads with `kawa validate -c`, its rules paths mapped onto this checkout. Skipped, saying why,
// when the helm binary cannot be had.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { ConfigMap, PersistentVolumeClaim, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the build scripts, without type declarations
import { helmBinary } from '../../scripts/helm-bin.mjs';

const root = process.cwd();
const CHART = join(root, 'deploy', 'helm', 'kawa');
const EXAMPLES = join(root, 'deploy', 'helm', 'examples');

let helm = '';
let why = '';
try {
  helm = (helmBinary as () => string)();
} catch (e) {
  why = (e as Error).message;
}

// a rendered manifest, checked field by field below
type Obj = Record<string, any>;

const MODELS: Record<string, new (o: Obj) => { validate(): void }> = {
  'v1/ServiceAccount': ServiceAccount, 'v1/ConfigMap': ConfigMap, 'v1/Service': Service, 'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment, 'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

function helmRun(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(helm, args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function render(valuesFile: string, set: string[] = []): Obj[] {
  const r = helmRun(['template', 'kawa', CHART, '--namespace', 'kawa', '-f', valuesFile, ...set.flatMap((s) => ['--set', s])]);
  if (r.status !== 0) throw new Error(`helm template -f ${valuesFile} failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj).filter(Boolean);
}

const find = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const one = (objs: Obj[], kind: string) => {
  const found = find(objs, kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};
const configMapWithFalcoYaml = (objs: Obj[]) => find(objs, 'ConfigMap').find((c) => c.data?.['falco.yaml'])!;
const falco = (objs: Obj[]) => parse(configMapWithFalcoYaml(objs).data['falco.yaml']) as Obj;

/** Pod Security Standards, "restricted" profile (v1.25+), as the admission controller checks a pod. */
function restrictedViolations(pod: Obj): string[] {
  const out: string[] = [];
  const containers: Obj[] = [...(pod.initContainers ?? []), ...pod.containers];
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) out.push('host namespaces');
  const allowedVolumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
  for (const v of pod.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name')!;
    if (!allowedVolumes.includes(type)) out.push(`volume ${v.name}: ${type}`);
  }
  const podSc = pod.securityContext ?? {};
  const podSeccomp = podSc.seccompProfile?.type;
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) out.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation not false`);
    if (!(sc.runAsNonRoot ?? podSc.runAsNonRoot)) out.push(`${c.name}: runAsNonRoot not true`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) out.push(`${c.name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${c.name}: seccomp ${seccomp}`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${c.name}: capabilities not dropped`);
    if ((sc.capabilities?.add ?? []).some((cap: string) => cap !== 'NET_BIND_SERVICE')) out.push(`${c.name}: capabilities added`);
    if ((c.ports ?? []).some((p: Obj) => p.hostPort)) out.push(`${c.name}: hostPort`);
    // beyond "restricted": the image is built to run on a read-only root file system
    if (sc.readOnlyRootFilesystem !== true) out.push(`${c.name}: root file system writable`);
  }
  return out;
}

/** `kawa validate -c` of the rendered falco.yaml, its paths in the pod mapped onto files here. */
function validateRendered(objs: Obj[]): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kawa-helm-'));
  const config = falco(objs);
  const pod = one(objs, 'Deployment').spec.template.spec;
  const mounts: Obj[] = pod.containers[0].volumeMounts;
  config.rules_files = (config.rules_files as string[]).map((path) => {
    if (path === '/opt/kawa/rules/kawa-eks-rules.yaml') return join(root, 'rules', 'kawa-eks-rules.yaml');
    const mount = mounts.find((m) => m.mountPath === path);
    if (!mount) throw new Error(`rules_files: ${path} is not mounted in the pod`);
    const local = join(dir, mount.name);
    mkdirSync(local);
    const volume = pod.volumes.find((v: Obj) => v.name === mount.name);
    const ours = find(objs, 'ConfigMap').find((c) => c.metadata.name === volume.configMap?.name);
    if (ours) {
      for (const [name, text] of Object.entries(ours.data as Record<string, string>)) writeFileSync(join(local, name), text);
    } else {
      // a ConfigMap of the user's, or falcoctl's download: a rules file standing in for it
      writeFileSync(join(local, 'stand-in.yaml'), '[]\n');
    }
    return local;
  });
  writeFileSync(join(dir, 'falco.yaml'), JSON.stringify(config));
  const r = spawnSync(process.execPath, [join(root, 'bin', 'kawa.js'), 'validate', '-c', join(dir, 'falco.yaml')], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const examples = readdirSync(EXAMPLES).filter((n) => n.endsWith('.yaml')).sort();

describe.skipIf(!helm)(`helm chart deploy/helm/kawa${helm ? '' : ` (skipped: no helm binary: ${why})`}`, () => {
  it('has an example for each mode and way of reading', () => {
    expect(examples).toEqual(['cloudwatch-emptydir.yaml', 'cloudwatch-fleet.yaml', 'cloudwatch.yaml', 'kinesis.yaml', 'rules.yaml']);
  });

  describe.each(examples)('examples/%s', (example) => {
    const file = join(EXAMPLES, example);
    const objs = render(file);
    const deployment = one(objs, 'Deployment');
    const pod = deployment.spec.template.spec;
    const kawa = pod.containers.find((c: Obj) => c.name === 'kawa');
    const config = falco(objs);
    const values = parse(readFileSync(file, 'utf8')) as Obj;

    it('passes helm lint --strict', () => {
      const r = helmRun(['lint', '--strict', CHART, '-f', file]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });

    it('renders only objects valid against the Kubernetes API schemas', () => {
      for (const o of objs) {
        const Model = MODELS[`${o.apiVersion}/${o.kind}`];
        expect(Model, `no schema for ${o.apiVersion} ${o.kind}`).toBeDefined();
        expect(() => new Model!(o).validate(), `${o.kind} ${o.metadata?.name}`).not.toThrow();
        expect(o.metadata.namespace ?? 'kawa').toBe('kawa');
      }
    });

    it('meets Pod Security "restricted" with a read-only root file system', () => {
      expect(restrictedViolations(pod)).toEqual([]);
      expect(pod.securityContext.runAsUser).toBe(10001);
      expect(pod.automountServiceAccountToken).toBe(false);
    });

    it('runs `kawa run -c` on the mounted falco.yaml, probes /healthz and /readyz on its web server', () => {
      expect(kawa.args.slice(0, 3)).toEqual(['run', '-c', '/etc/kawa/config/falco.yaml']);
      expect(kawa.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/kawa/config', readOnly: true });
      expect(kawa.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      expect(kawa.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(kawa.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(kawa.ports).toEqual([{ name: 'http', containerPort: config.webserver.listen_port, protocol: 'TCP' }]);
      expect(config.webserver).toMatchObject({ enabled: true, listen_address: '0.0.0.0', k8s_healthz_endpoint: '/healthz', prometheus_metrics_enabled: true });
      // the kubelet's SIGKILL comes after kawa's own shutdown deadline
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(config.shutdown_timeout_ms);
      expect(kawa.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
      expect(kawa.resources.limits.memory).toBeDefined();
      expect(Object.keys(pod.securityContext)).toContain('fsGroup');
    });

    it('annotates the service account with the IAM role (IRSA), or leaves it to Pod Identity', () => {
      const sa = one(objs, 'ServiceAccount');
      expect(pod.serviceAccountName).toBe(sa.metadata.name);
      expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBe(values.serviceAccount?.roleArn);
    });

    it('sends alerts to falcosidekick when asked, and always to stdout', () => {
      expect(config.stdout_output.enabled).toBe(true);
      expect(config.json_output).toBe(true);
      expect(config.http_output.enabled).toBe(Boolean(values.falcosidekick?.enabled));
      if (values.falcosidekick?.enabled) expect(config.http_output.url).toBe(values.falcosidekick.url);
    });

    it('exposes /metrics through a Service, and a ServiceMonitor when enabled', () => {
      const svc = one(objs, 'Service');
      expect(svc.spec.selector).toEqual(deployment.spec.selector.matchLabels);
      expect(svc.spec.ports[0].targetPort).toBe('http');
      const monitors = find(objs, 'ServiceMonitor');
      expect(monitors).toHaveLength(values.serviceMonitor?.enabled ? 1 : 0);
      for (const m of monitors) expect(m.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    });

    it('renders a falco.yaml that `kawa validate -c` loads without a warning', () => {
      const r = validateRendered(objs);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/ 0 warnings\n$/);
    });

    if (values.mode === 'cloudwatch') {
      it('cloudwatch: one replica, Recreate, the checkpoint on its volume', () => {
        expect(deployment.spec.replicas).toBe(1);
        expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
        expect(find(objs, 'PodDisruptionBudget')).toEqual([]);
        expect(kawa.volumeMounts).toContainEqual({ name: 'state', mountPath: '/var/lib/kawa' });
        const state = pod.volumes.find((v: Obj) => v.name === 'state');
        const fleet = Array.isArray(values.cloudwatch.clusters) && values.cloudwatch.clusters.length > 0;
        expect(config.cloudwatch.checkpoint).toBe(fleet ? '/var/lib/kawa' : '/var/lib/kawa/checkpoint.json');
        if (values.cloudwatch.checkpoint?.volume === 'emptyDir') {
          expect(state.emptyDir).toBeDefined();
          expect(find(objs, 'PersistentVolumeClaim')).toEqual([]);
        } else {
          const pvc = one(objs, 'PersistentVolumeClaim');
          expect(state.persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
          expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
          expect(pvc.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
        }
        if (fleet) {
          expect(config.cloudwatch.clusters).toEqual(values.cloudwatch.clusters);
        } else {
          expect(config.cloudwatch.cluster).toBe(values.cloudwatch.cluster);
        }
        expect(config.cloudwatch.region).toBe(values.aws.region);
        expect(config.source).toBeUndefined();
      });
    } else {
      it('kinesis: replicas spread over zones, a PodDisruptionBudget, no volume, the tables', () => {
        expect(deployment.spec.replicas).toBe(values.kinesis.replicas);
        expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
        const pdb = one(objs, 'PodDisruptionBudget');
        expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
        expect(pdb.spec.maxUnavailable).toBe(1);
        expect(pod.topologySpreadConstraints.map((t: Obj) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
        expect(pod.volumes.map((v: Obj) => v.name)).not.toContain('state');
        expect(find(objs, 'PersistentVolumeClaim')).toEqual([]);
        expect(config.source).toEqual({
          type: 'kinesis',
          kinesis: { stream: values.kinesis.stream, region: values.aws.region, initial_position: 'TRIM_HORIZON' },
          leases: { table: values.kinesis.leaseTable, create_table: true },
          dedup: { alert_table: values.kinesis.alertTable, create_table: true },
        });
        expect(config.cloudwatch).toBeUndefined();
      });
    }
  });

  it('rules: bundled, falcoctl (init container), custom and existing ConfigMaps, loaded in that order', () => {
    const objs = render(join(EXAMPLES, 'rules.yaml'));
    const config = falco(objs);
    expect(config.rules_files).toEqual(['/opt/kawa/rules/kawa-eks-rules.yaml', '/etc/kawa/rules.falcoctl', '/etc/kawa/rules.d/custom', '/etc/kawa/rules.d/team-rules']);
    const pod = one(objs, 'Deployment').spec.template.spec;
    const init = pod.initContainers[0];
    expect(init.args).toEqual(['artifact', 'install', '--config', '/etc/falcoctl/falcoctl.yaml']);
    expect(init.volumeMounts).toContainEqual({ name: 'rules-falcoctl', mountPath: '/rulesfiles' });
    const falcoctl = parse(find(objs, 'ConfigMap').find((c) => c.data?.['falcoctl.yaml'])!.data['falcoctl.yaml']) as Obj;
    expect(falcoctl.artifact.install).toMatchObject({ rulesfilesDir: '/rulesfiles', refs: ['k8saudit-rules:0'] });
    expect(Object.keys(find(objs, 'ConfigMap').find((c) => c.metadata.name === 'kawa-rules')!.data)).toEqual(['local-rules.yaml']);
    expect(config.outputs).toEqual({ rate: 50, max_burst: 500 });
    expect(config.priority).toBe('warning');
  });

  it('webserver.metricsTokenSecret: /metrics behind the token, mounted from the Secret, sent by the ServiceMonitor', () => {
    const file = join(EXAMPLES, 'rules.yaml');
    const objs = render(file, ['webserver.metricsTokenSecret=kawa-metrics-token', 'serviceMonitor.enabled=true']);
    const deployment = one(objs, 'Deployment');
    const pod = deployment.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'metrics-token', secret: { secretName: 'kawa-metrics-token', items: [{ key: 'token', path: 'token' }] } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'metrics-token', mountPath: '/etc/kawa/metrics-token', readOnly: true });
    expect(falco(objs).webserver).toMatchObject({ listen_address: '0.0.0.0', token_file: '/etc/kawa/metrics-token/token' });
    expect(one(objs, 'ServiceMonitor').spec.endpoints[0].bearerTokenSecret).toEqual({ name: 'kawa-metrics-token', key: 'token' });
    // without it: no token file, so kawa warns at start-up that /metrics is open
    expect(falco(render(file)).webserver.token_file).toBe('');
  });

  it('a falco.yaml change restarts the pods; a rules change does not (kawa reloads rules in place)', () => {
    const file = join(EXAMPLES, 'rules.yaml');
    const checksum = (set: string[]) => one(render(file, set), 'Deployment').spec.template.metadata.annotations['checksum/config'];
    const base = checksum([]);
    expect(checksum(['priority=error'])).not.toBe(base);
    expect(checksum(['rules.custom.local-rules\\.yaml=- list: x\n  items: []'])).toBe(base);
  });

  it.each([
    [['mode=cloudwatch'], 'cloudwatch.cluster: the EKS cluster'],
    [['mode=kinesis'], 'kinesis.stream'],
    [['mode=kinesis', 'kinesis.stream=s', 'kinesis.replicas=2'], 'kinesis.alertTable: more than one replica'],
    [['mode=syslog'], 'mode'],
    [['cloudwatch.cluster=c', 'serviceAccount.roleArn=kawa'], 'roleArn'],
    [['cloudwatch.cluster=c', 'rules.bundled=false'], 'rules: no rules to load'],
    [['cloudwatch.cluster=c', 'rules.custom.bad\\ name=x'], 'is not a rules file name'],
  ])('refuses %j, saying %s', (set, message) => {
    const r = helmRun(['template', 'kawa', CHART, ...set.flatMap((s) => ['--set', s])]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(message);
  });
});
