// The CloudWatch source's configuration in falco.yaml: the k8saudit-eks plugin block Falco users already
// have, unchanged, plus kawa's own keys in a `cloudwatch:` block (also settable with -o cloudwatch.KEY=V and
// the `kawa run --cloudwatch CLUSTER --region --profile --endpoint --checkpoint` flags).
//
//   plugins:
//     - name: k8saudit-eks
//       library_path: libk8saudit-eks.so      ignored: kawa is the plugin
//       init_config:                          a mapping, or the same as a JSON string
//         region: us-east-1                   default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region
//         profile: default                    default: AWS_PROFILE, AWS_DEFAULT_PROFILE, the SDK's chain
//         shift: 600                          seconds a cold start (no checkpoint) looks back (default 60;
//                                             kawa reads it as seconds, the plugin's docs say so too)
//         polling_interval: 1                 seconds between head polls (default 1; the plugin's is 5)
//         buffer_size: 20000                  events held between CloudWatch and the outputs (at least 2000)
//         max_event_size: 262144              larger events are rejected by the engine
//         use_async: true                     accepted, no effect (a Go SDK option)
//       open_params: my-cluster               the EKS cluster: log group /aws/eks/<cluster>/cluster
//   load_plugins: [k8saudit-eks, json]        when present, the plugin must be listed to be used
//
//   cloudwatch:
//     cluster: my-cluster                     instead of open_params
//     log_group: /aws/eks/my-cluster/cluster  default from the cluster
//     stream_prefix: kube-apiserver-audit-
//     endpoint: http://127.0.0.1:4599         a CloudWatch Logs endpoint (the emulator); default AWS
//     checkpoint: /var/lib/kawa/cw.json       durable position; none: a restart starts from `shift`
//     checkpoint_interval: 1                  seconds between checkpoint writes (and at shutdown)
//     tiers: [2, 15, 120, 600]                ages (s) at which each stretch of time is read again; an event
//                                             that becomes searchable within the last age is never lost
//     skew_ms: 1500                           overlap of consecutive head reads
//     max_tps: 5                              FilterLogEvents requests per second for the region (quota: 5)
//     request_timeout: 10                     seconds before a hanging request is retried
import { isMap, isScalar, isSeq, parse as parseYaml, type Node } from 'yaml';
import type { ConfigView } from '../../core/config-view.js';

export interface CloudWatchConfig {
  /** The EKS cluster name (open_params or cloudwatch.cluster); '' when not given. */
  cluster: string;
  logGroup: string;
  streamPrefix: string;
  region?: string;
  profile?: string;
  endpoint?: string;
  checkpoint?: string;
  checkpointIntervalMs: number;
  /** Cold-start look-back. */
  shiftMs: number;
  pollingIntervalMs: number;
  /** Events held between CloudWatch and the outputs (read but not yet acknowledged). */
  bufferSize: number;
  maxEventSize: number;
  /** Re-check ages, ms, increasing. */
  tiersMs: number[];
  skewMs: number;
  maxTps: number;
  requestTimeoutMs: number;
  /** Fixed credentials instead of the AWS chain (programs only, not falco.yaml: the demo's emulator). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export const PLUGIN_NAME = 'k8saudit-eks';
export const DEFAULT_STREAM_PREFIX = 'kube-apiserver-audit-';
/** Below this, pages would be so small that the request quota, not the data, limits throughput. */
export const MIN_BUFFER_SIZE = 2000;

export function defaultCloudWatchConfig(cluster = ''): CloudWatchConfig {
  return {
    cluster, logGroup: cluster ? logGroupOf(cluster) : '', streamPrefix: DEFAULT_STREAM_PREFIX,
    checkpointIntervalMs: 1000, shiftMs: 60_000, pollingIntervalMs: 1000, bufferSize: 20_000, maxEventSize: 262_144,
    tiersMs: [2_000, 15_000, 120_000, 600_000], skewMs: 1500, maxTps: 5, requestTimeoutMs: 10_000,
  };
}

export const logGroupOf = (cluster: string) => `/aws/eks/${cluster}/cluster`;

/**
 * The CloudWatch source's keys, or undefined when the configuration asks for no CloudWatch source (no
 * loaded k8saudit-eks plugin and no cloudwatch block). Wrong types are KAWA_ERR_CONFIG errors at their line;
 * whether the cluster and region are present is checked when the source opens.
 */
export function readCloudWatchConfig(view: ConfigView): CloudWatchConfig | undefined {
  const plugin = findPlugin(view);
  if (!plugin && !view.has(['cloudwatch'])) return undefined;
  const c = defaultCloudWatchConfig();
  if (plugin) {
    const init = initConfig(view, plugin.index);
    const p = ['plugins', plugin.index, 'open_params'];
    c.cluster = (view.str(p) ?? '').trim();
    const str = (key: string) => {
      const v = init[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string') view.fail(['plugins', plugin.index, 'init_config', key], `init_config.${key} must be a string`);
      return v as string;
    };
    const num = (key: string, fallback: number) => {
      const v = init[key];
      if (v === undefined || v === null) return fallback;
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isInteger(n) || n < 0) view.fail(['plugins', plugin.index, 'init_config', key], `init_config.${key} must be an integer >= 0, not ${JSON.stringify(v)}`);
      return n;
    };
    c.region = str('region') || undefined;
    c.profile = str('profile') || undefined;
    // 0 means "the default", as in the plugin
    c.shiftMs = (num('shift', 0) || c.shiftMs / 1000) * 1000;
    c.pollingIntervalMs = (num('polling_interval', 0) || c.pollingIntervalMs / 1000) * 1000;
    c.bufferSize = Math.max(MIN_BUFFER_SIZE, num('buffer_size', 0) || c.bufferSize);
    c.maxEventSize = num('max_event_size', c.maxEventSize);
    if (init.use_async !== undefined && typeof init.use_async !== 'boolean') view.fail(['plugins', plugin.index, 'init_config', 'use_async'], 'init_config.use_async must be true or false');
  }
  const k = (key: string) => ['cloudwatch', key];
  if (view.has(['cloudwatch']) && !isMap(view.node(['cloudwatch']))) view.fail(['cloudwatch'], 'cloudwatch must be a mapping');
  c.cluster = (view.str(k('cluster')) ?? c.cluster).trim();
  c.logGroup = view.str(k('log_group')) ?? (c.cluster ? logGroupOf(c.cluster) : '');
  c.streamPrefix = view.str(k('stream_prefix'), c.streamPrefix);
  c.endpoint = view.str(k('endpoint')) || undefined;
  c.checkpoint = view.str(k('checkpoint')) || undefined;
  c.region = view.str(k('region')) || c.region;
  c.profile = view.str(k('profile')) || c.profile;
  c.checkpointIntervalMs = Math.round(view.num(k('checkpoint_interval'), c.checkpointIntervalMs / 1000, { fraction: true }) * 1000);
  c.skewMs = view.num(k('skew_ms'), c.skewMs);
  c.maxTps = view.num(k('max_tps'), c.maxTps, { fraction: true });
  if (!(c.maxTps > 0)) view.fail(k('max_tps'), 'cloudwatch.max_tps must be > 0');
  c.requestTimeoutMs = Math.round(view.num(k('request_timeout'), c.requestTimeoutMs / 1000, { fraction: true, min: 0.1 }) * 1000);
  const tiers = view.node(k('tiers'));
  if (tiers !== undefined && !(isScalar(tiers) && tiers.value === null)) {
    if (!isSeq(tiers) || tiers.items.length === 0) view.fail(k('tiers'), 'cloudwatch.tiers must be a non-empty list of increasing ages in seconds');
    c.tiersMs = tiers.items.map((_, i) => Math.round(view.num([...k('tiers'), i], 0, { fraction: true, min: 0.001 }) * 1000));
    if (c.tiersMs.some((t, i) => i > 0 && t <= c.tiersMs[i - 1]!)) view.fail(k('tiers'), 'cloudwatch.tiers must increase');
  }
  return c;
}

/** The k8saudit-eks entry of `plugins`, when load_plugins (if present) lists it. */
function findPlugin(view: ConfigView): { index: number } | undefined {
  const plugins = view.node(['plugins']);
  if (plugins === undefined || (isScalar(plugins) && plugins.value === null)) return undefined;
  if (!isSeq(plugins)) return view.fail(['plugins'], 'plugins must be a sequence of plugin entries');
  const index = plugins.items.findIndex((item) => isMap(item) && (item.toJSON() as { name?: unknown }).name === PLUGIN_NAME);
  if (index < 0) return undefined;
  // Falco loads every configured plugin when load_plugins is absent, and only the listed ones when present
  const load = view.has(['load_plugins']) ? view.strList(['load_plugins']) ?? [] : undefined;
  if (load && !load.includes(PLUGIN_NAME)) return undefined;
  return { index };
}

/** init_config as a mapping: Falco accepts a YAML mapping or a JSON text ("" = {}). */
function initConfig(view: ConfigView, index: number): Record<string, unknown> {
  const path = ['plugins', index, 'init_config'];
  const node = view.node(path) as Node | undefined;
  if (node === undefined || (isScalar(node) && (node.value === null || node.value === ''))) return {};
  if (isMap(node)) return node.toJSON() as Record<string, unknown>;
  if (isScalar(node) && typeof node.value === 'string') {
    let parsed: unknown;
    try {
      parsed = parseYaml(node.value);
    } catch (e) {
      return view.fail(path, `init_config is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
    }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  }
  return view.fail(path, 'init_config must be a mapping or a JSON object text');
}

export interface CloudWatchFlags {
  cloudwatch?: string;
  region?: string;
  profile?: string;
  endpoint?: string;
  checkpoint?: string;
}

/** `kawa run --cloudwatch CLUSTER [--region R] [--profile P] [--endpoint URL] [--checkpoint FILE]` over the configuration's keys. */
export function applyCloudWatchFlags(base: CloudWatchConfig | undefined, flags: CloudWatchFlags): CloudWatchConfig {
  const c = { ...(base ?? defaultCloudWatchConfig()) };
  if (flags.cloudwatch) {
    const keepGroup = base && base.logGroup && base.logGroup !== logGroupOf(base.cluster);
    c.cluster = flags.cloudwatch.trim();
    if (!keepGroup) c.logGroup = logGroupOf(c.cluster);
  }
  if (flags.region) c.region = flags.region;
  if (flags.profile) c.profile = flags.profile;
  if (flags.endpoint) c.endpoint = flags.endpoint;
  if (flags.checkpoint) c.checkpoint = flags.checkpoint;
  return c;
}
