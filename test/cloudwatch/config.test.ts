// falco.yaml's k8saudit-eks plugin block, unchanged, plus kawa's cloudwatch keys; bad values are coded errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFalcoConfig } from '../../src/config/falco-config.js';
import { KawaError } from '../../src/core/errors.js';
import { applyCloudWatchFlags, defaultCloudWatchConfig } from '../../src/sources/cloudwatch/config.js';
import { CloudWatchSource } from '../../src/sources/cloudwatch/source.js';
import { client } from './harness.js';

const FALCO = `
plugins:
  - name: k8saudit-eks
    library_path: libk8saudit-eks.so
    init_config:
      region: "eu-west-1"
      profile: "ops"
      shift: 600
      polling_interval: 2
      use_async: false
      buffer_size: 500
      max_event_size: 1048576
    open_params: "prod-cluster"
  - name: json
    library_path: libjson.so
    init_config: ""
load_plugins: [k8saudit-eks, json]
`;

function fails(text: string): KawaError {
  try {
    parseFalcoConfig(text, 'falco.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(KawaError);
    return e as KawaError;
  }
  throw new Error('no error');
}

describe('CloudWatch configuration', () => {
  it('reads the k8saudit-eks plugin block as Falco users have it', () => {
    const c = parseFalcoConfig(FALCO, 'falco.yaml').sources.cloudwatch!;
    expect(c).toMatchObject({
      cluster: 'prod-cluster', logGroup: '/aws/eks/prod-cluster/cluster', streamPrefix: 'kube-apiserver-audit-', region: 'eu-west-1', profile: 'ops',
      shiftMs: 600_000, pollingIntervalMs: 2000, bufferSize: 2000, maxEventSize: 1_048_576,
    });
  });

  it('takes init_config as a JSON text too, and kawa keys from the cloudwatch block and -o', () => {
    const text = `plugins:\n  - name: k8saudit-eks\n    init_config: '{"region":"us-east-2","polling_interval":1}'\n    open_params: c1\ncloudwatch:\n  endpoint: http://127.0.0.1:4599\n  tiers: [1, 10, 60]\n`;
    const c = parseFalcoConfig(text, 'falco.yaml', ['cloudwatch.checkpoint=/tmp/cp.json', 'cloudwatch.max_tps=2']).sources.cloudwatch!;
    expect(c).toMatchObject({ cluster: 'c1', region: 'us-east-2', pollingIntervalMs: 1000, endpoint: 'http://127.0.0.1:4599', tiersMs: [1000, 10_000, 60_000], checkpoint: '/tmp/cp.json', maxTps: 2 });
  });

  it('ignores the plugin when load_plugins does not list it; no plugin, no source', () => {
    expect(parseFalcoConfig(`${FALCO.replace('load_plugins: [k8saudit-eks, json]', 'load_plugins: [json]')}`, 'f').sources.cloudwatch).toBeUndefined();
    expect(parseFalcoConfig('rules_files: [a.yaml]\n', 'f').sources.cloudwatch).toBeUndefined();
  });

  it('flags fill in or override the cluster, region, profile, endpoint and checkpoint', () => {
    const c = applyCloudWatchFlags(undefined, { cloudwatch: 'demo', region: 'us-east-1', endpoint: 'http://x', checkpoint: 'cp.json' })!;
    expect(c).toMatchObject({ cluster: 'demo', logGroup: '/aws/eks/demo/cluster', region: 'us-east-1', endpoint: 'http://x', checkpoint: 'cp.json' });
  });

  it('bad values are KAWA_ERR_CONFIG at their line', () => {
    const e1 = fails(FALCO.replace('shift: 600', 'shift: -3'));
    expect(e1.code).toBe('KAWA_ERR_CONFIG');
    expect(e1.message).toContain('shift');
    expect(e1.location.line).toBe(8);
    expect(fails('cloudwatch:\n  tiers: [10, 5]\n').message).toContain('increase');
    expect(fails('cloudwatch:\n  max_tps: 0\n').message).toContain('max_tps');
    expect(fails(FALCO.replace('region: "eu-west-1"', 'region: [1]')).message).toContain('region');
    expect(fails('cloudwatch:\n  skew_ms: soon\n').message).toContain('skew_ms');
    expect(fails('cloudwatch:\n  skew_ms: -5\n').message).toContain('skew_ms');
  });

  it('skew_ms: automatic by default and with auto (up to 1.5 s), fixed by a number', () => {
    const skew = (block: string) => {
      const c = parseFalcoConfig(`cloudwatch:\n  cluster: c\n${block}`, 'f').sources.cloudwatch!;
      return { skewMs: c.skewMs, skewAuto: c.skewAuto };
    };
    expect(skew('')).toEqual({ skewMs: 1500, skewAuto: true });
    expect(skew('  skew_ms: auto\n')).toEqual({ skewMs: 1500, skewAuto: true });
    expect(skew('  skew_ms: 400\n')).toEqual({ skewMs: 400, skewAuto: false });
  });

  it('opening without a cluster, or with a corrupt checkpoint, is a clear coded error', async () => {
    await expect(CloudWatchSource.open(defaultCloudWatchConfig(''), { client: client('http://127.0.0.1:9') })).rejects.toMatchObject({ code: 'KAWA_ERR_CONFIG' });
    await expect(CloudWatchSource.open(defaultCloudWatchConfig('bad name!'), { client: client('http://127.0.0.1:9') })).rejects.toMatchObject({ code: 'KAWA_ERR_CONFIG' });
    const dir = mkdtempSync(join(tmpdir(), 'kawa-cp-'));
    const file = join(dir, 'cp.json');
    writeFileSync(file, '{"kind":"kawa-cloudwatch-checkpoint","version":1,"logGroup":');
    const err = await CloudWatchSource.open({ ...defaultCloudWatchConfig('c'), checkpoint: file }, { client: client('http://127.0.0.1:9') }).catch((e: KawaError) => e);
    expect(err).toMatchObject({ code: 'KAWA_ERR_CHECKPOINT', location: { file } });
    writeFileSync(file, JSON.stringify({ kind: 'kawa-cloudwatch-checkpoint', version: 1, logGroup: '/aws/eks/other/cluster', streamPrefix: 'kube-apiserver-audit-', tiers: [1], cursors: [1, 1], seen: [], writtenAt: 1 }));
    const other = await CloudWatchSource.open({ ...defaultCloudWatchConfig('c'), checkpoint: file }, { client: client('http://127.0.0.1:9') }).catch((e: KawaError) => e);
    expect(other).toMatchObject({ code: 'KAWA_ERR_CHECKPOINT' });
    expect((other as KawaError).message).toContain('/aws/eks/other/cluster');
  });
});
