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
//     clusters:                               a fleet, instead of one cluster (or `clusters: auto`, below)
//       - name: prod                          the EKS cluster: kawa.cluster on its alerts
//         region: us-east-1                   default: the block's region
//         log_group: /aws/eks/prod/cluster    default from the name
//         role_arn: arn:aws:iam::111122223333:role/kawa-reader   assumed through STS (refreshed before expiry)
//         external_id: ...                    with role_arn, when the role's trust policy asks for one
//         session_name: kawa                  with role_arn (default kawa-<hostname>)
//         endpoint: https://...               this cluster's CloudWatch Logs endpoint
//         use_fips: true                      the FIPS endpoint of the region
//     clusters: auto                          find every /aws/eks/*/cluster log group ...
//     accounts:                               ... in these accounts and regions (default: the base identity in `region`)
//       - role_arn: arn:aws:iam::444455556666:role/kawa-reader
//         external_id: ...
//         regions: [us-east-1, eu-west-1]
//     discovery_interval: 300                 seconds between listings: new clusters join, deleted ones leave
//     buffer_bytes: 67108864                  bytes all clusters together hold between CloudWatch and the outputs
//     max_event_ids: 4000000                  event ids all clusters together keep to drop repeats (~10 bytes
//                                             each; 10 min of the last tier at 6,600 events/s). Over it, the
//                                             oldest second is no longer re-checked (counted: a late event
//                                             still to come there would be missed); nothing is repeated
//     stream_prefix: kube-apiserver-audit-
//     endpoint: http://127.0.0.1:4599         a CloudWatch Logs endpoint (the emulator); default AWS
//     sts_endpoint: http://127.0.0.1:4599     where role_arn is assumed (the emulator); default AWS STS
//     checkpoint: /var/lib/kawa/cw.json       durable position; none: a restart starts from `shift`. With several
//                                             clusters (or auto) a directory, one file per cluster
//     checkpoint_interval: 1                  seconds between checkpoint writes (and at shutdown)
//     tiers: [2, 15, 120, 600]                ages (s) at which each stretch of time is read again; an event
//                                             that becomes searchable within the last age is never lost
//     skew_ms: auto                           overlap of consecutive head reads, ms: auto (default) follows how
//                                             late events arrive, 250 ms to 1,500 ms (head-overlap.ts); a
//                                             number fixes it
//     max_tps: 5                              FilterLogEvents requests per second for the region (quota: 5)
//     request_timeout: 10                     seconds a request may take, its whole answer read, before it is retried
import { isMap, isScalar, isSeq } from 'yaml';
import { MAX_TIMER_S, type ConfigView } from '../../core/config-view.js';
import { KawaError } from '../../core/errors.js';
import { clusterOf, logGroupOf } from '../eks.js';
import { findPlugin, initInteger, initString } from '../plugins.js';

/** One cluster of a fleet: its log group, where it is, and how to reach it. */
export interface ClusterTarget {
  /** The EKS cluster name (kawa.cluster); '' when only a log group was named. */
  name: string;
  logGroup: string;
  region?: string;
  /** The AWS account (kawa.account), when known: from role_arn, or from the log group's ARN. */
  account?: string;
  roleArn?: string;
  externalId?: string;
  sessionName?: string;
  endpoint?: string;
  useFips?: boolean;
}

/** Where `clusters: auto` looks for clusters: an identity (the base one, or a role) and its regions. */
export interface AccountScope {
  roleArn?: string;
  externalId?: string;
  sessionName?: string;
  regions: string[];
  endpoint?: string;
  useFips?: boolean;
}

export interface CloudWatchConfig {
  /** The EKS cluster name (open_params or cloudwatch.cluster); '' when not given. */
  cluster: string;
  logGroup: string;
  /** A fleet: every cluster to read (empty: the one cluster above). */
  clusters: ClusterTarget[];
  /** `clusters: auto`: find the clusters in these accounts and regions. */
  discover?: AccountScope[];
  discoveryIntervalMs: number;
  /** Bytes all clusters together hold between CloudWatch and the outputs. */
  bufferBytes: number;
  /** Event ids all clusters together keep to drop repeats (about 10 bytes each). */
  maxEventIds: number;
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
  /** The head's overlap: fixed, or the most the automatic one grows to (skewAuto). */
  skewMs: number;
  skewAuto: boolean;
  maxTps: number;
  requestTimeoutMs: number;
  /** Where roles are assumed (default: AWS's regional STS; the emulator serves STS too). */
  stsEndpoint?: string;
  /** Backfill: read [since, until] (Unix ms) of every cluster once, then end (no checkpoint). */
  since?: number;
  until?: number;
  /** Fixed credentials instead of the AWS chain (programs only, not falco.yaml: the demo's emulator). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export const PLUGIN_NAME = 'k8saudit-eks';
export const DEFAULT_STREAM_PREFIX = 'kube-apiserver-audit-';
/** Below this, pages would be so small that the request quota, not the data, limits throughput. */
export const MIN_BUFFER_SIZE = 2000;

export function defaultCloudWatchConfig(cluster = ''): CloudWatchConfig {
  return {
    cluster, logGroup: cluster ? logGroupOf(cluster) : '', clusters: [], discoveryIntervalMs: 300_000, bufferBytes: 64 << 20, maxEventIds: 4_000_000,
    streamPrefix: DEFAULT_STREAM_PREFIX,
    checkpointIntervalMs: 1000, shiftMs: 60_000, pollingIntervalMs: 1000, bufferSize: 20_000, maxEventSize: 262_144,
    tiersMs: [2_000, 15_000, 120_000, 600_000], skewMs: 1500, skewAuto: true, maxTps: 5, requestTimeoutMs: 10_000,
  };
}

export { clusterOf, logGroupOf };

/** The account of a role ARN (arn:aws:iam::123456789012:role/...), when it names one. */
export function accountOf(roleArn: string | undefined): string | undefined {
  return roleArn ? /^arn:[^:]+:iam::(\d{12}):/.exec(roleArn)?.[1] : undefined;
}

/** The clusters a configuration names (without discovery): the fleet, or the one cluster. */
export function targetsOf(c: CloudWatchConfig): ClusterTarget[] {
  if (c.clusters.length) return c.clusters;
  if (!c.cluster && !c.logGroup) return [];
  return [{ name: c.cluster || clusterOf(c.logGroup), logGroup: c.logGroup || logGroupOf(c.cluster), region: c.region, endpoint: c.endpoint }];
}

/**
 * The CloudWatch source's keys, or undefined when the configuration asks for no CloudWatch source (no
 * loaded k8saudit-eks plugin and no cloudwatch block). Wrong types are KAWA_ERR_CONFIG errors at their line;
 * whether the cluster and region are present is checked when the source opens.
 */
export function readCloudWatchConfig(view: ConfigView): CloudWatchConfig | undefined {
  const plugin = findPlugin(view, PLUGIN_NAME);
  if (!plugin && !view.has(['cloudwatch'])) return undefined;
  const c = defaultCloudWatchConfig();
  if (plugin) {
    c.cluster = plugin.openParams;
    c.region = initString(view, plugin, 'region') || undefined;
    c.profile = initString(view, plugin, 'profile') || undefined;
    // 0 means "the default", as in the plugin
    c.shiftMs = (initInteger(view, plugin, 'shift', 0) || c.shiftMs / 1000) * 1000;
    c.pollingIntervalMs = (initInteger(view, plugin, 'polling_interval', 0) || c.pollingIntervalMs / 1000) * 1000;
    c.bufferSize = Math.max(MIN_BUFFER_SIZE, initInteger(view, plugin, 'buffer_size', 0) || c.bufferSize);
    c.maxEventSize = initInteger(view, plugin, 'max_event_size', c.maxEventSize);
    if (plugin.initConfig.use_async !== undefined && typeof plugin.initConfig.use_async !== 'boolean') view.fail(plugin.at('use_async'), 'init_config.use_async must be true or false');
  }
  const k = (key: string) => ['cloudwatch', key];
  if (view.has(['cloudwatch']) && !isMap(view.node(['cloudwatch']))) view.fail(['cloudwatch'], 'cloudwatch must be a mapping');
  c.cluster = (view.str(k('cluster')) ?? c.cluster).trim();
  c.logGroup = view.str(k('log_group')) ?? (c.cluster ? logGroupOf(c.cluster) : '');
  c.streamPrefix = view.str(k('stream_prefix'), c.streamPrefix);
  c.endpoint = view.str(k('endpoint')) || undefined;
  c.checkpoint = view.str(k('checkpoint')) || undefined;
  c.stsEndpoint = view.str(k('sts_endpoint')) || undefined;
  c.region = view.str(k('region')) || c.region;
  c.profile = view.str(k('profile')) || c.profile;
  c.checkpointIntervalMs = Math.round(view.num(k('checkpoint_interval'), c.checkpointIntervalMs / 1000, { fraction: true, max: MAX_TIMER_S }) * 1000);
  const skew = view.str(k('skew_ms'));
  if (skew !== undefined && skew !== 'auto') {
    c.skewMs = view.num(k('skew_ms'), c.skewMs);
    c.skewAuto = false;
  }
  c.maxTps = view.num(k('max_tps'), c.maxTps, { fraction: true });
  if (!(c.maxTps > 0)) view.fail(k('max_tps'), 'cloudwatch.max_tps must be > 0');
  c.requestTimeoutMs = Math.round(view.num(k('request_timeout'), c.requestTimeoutMs / 1000, { fraction: true, min: 0.1, max: MAX_TIMER_S }) * 1000);
  const tiers = view.node(k('tiers'));
  if (tiers !== undefined && !(isScalar(tiers) && tiers.value === null)) {
    if (!isSeq(tiers) || tiers.items.length === 0) view.fail(k('tiers'), 'cloudwatch.tiers must be a non-empty list of increasing ages in seconds');
    c.tiersMs = tiers.items.map((_, i) => Math.round(view.num([...k('tiers'), i], 0, { fraction: true, min: 0.001, max: MAX_TIMER_S }) * 1000));
    if (c.tiersMs.some((t, i) => i > 0 && t <= c.tiersMs[i - 1]!)) view.fail(k('tiers'), 'cloudwatch.tiers must increase');
  }
  c.bufferBytes = view.num(k('buffer_bytes'), c.bufferBytes, { min: 1 << 20 });
  c.maxEventIds = view.num(k('max_event_ids'), c.maxEventIds, { min: 10_000 });
  c.discoveryIntervalMs = Math.round(view.num(k('discovery_interval'), c.discoveryIntervalMs / 1000, { fraction: true, min: 1, max: MAX_TIMER_S }) * 1000);
  readFleet(view, c);
  return c;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** `clusters:` (a list, or `auto` with `accounts:`). */
function readFleet(view: ConfigView, c: CloudWatchConfig): void {
  const path = ['cloudwatch', 'clusters'];
  const node = view.node(path);
  if (node === undefined || (isScalar(node) && node.value === null)) {
    if (view.has(['cloudwatch', 'accounts'])) view.fail(['cloudwatch', 'accounts'], 'cloudwatch.accounts is where `clusters: auto` looks: set clusters: auto');
    return;
  }
  if (isScalar(node) && node.value === 'auto') {
    c.discover = readAccounts(view, c);
    return;
  }
  if (!isSeq(node) || node.items.length === 0) view.fail(path, 'cloudwatch.clusters must be a list of clusters, or auto');
  const seen = new Set<string>();
  c.clusters = node.items.map((item, i) => {
    const at = [...path, i];
    const key = (k: string) => [...at, k];
    let t: ClusterTarget;
    if (isScalar(item)) t = target(c, view.str(at) ?? '', {});
    else if (!isMap(item)) return view.fail(at, 'each entry of cloudwatch.clusters must be a cluster name or a mapping with name, region, role_arn, ...');
    else {
      known(view, at, ['name', 'region', 'log_group', 'role_arn', 'external_id', 'session_name', 'endpoint', 'use_fips']);
      t = target(c, view.str(key('name')) ?? '', {
        logGroup: view.str(key('log_group')) || undefined,
        region: view.str(key('region')) || undefined,
        ...identity(view, at),
      });
    }
    if (!t.name && !t.logGroup) view.fail(at, 'a cluster needs a name (or a log_group)');
    const id = `${t.account ?? ''}/${t.region ?? ''}/${t.logGroup}`;
    if (seen.has(id)) view.fail(at, `cluster ${t.name || t.logGroup} is listed twice`);
    seen.add(id);
    return t;
  }).map((t, i) => {
    if (!/^[.\-_/#A-Za-z0-9]{1,512}$/.test(t.logGroup)) view.fail([...path, i], `"${t.logGroup}" is not a CloudWatch log group name`);
    return t;
  });
}

function readAccounts(view: ConfigView, c: CloudWatchConfig): AccountScope[] {
  const path = ['cloudwatch', 'accounts'];
  const node = view.node(path);
  if (node === undefined || (isScalar(node) && node.value === null)) {
    return [{ regions: c.region ? [c.region] : [], ...(c.endpoint ? { endpoint: c.endpoint } : {}) }];
  }
  if (!isSeq(node) || node.items.length === 0) return view.fail(path, 'cloudwatch.accounts must be a list of {role_arn, regions}');
  return node.items.map((item, i) => {
    const at = [...path, i];
    if (!isMap(item)) return view.fail(at, 'each entry of cloudwatch.accounts must be a mapping with role_arn and regions');
    known(view, at, ['role_arn', 'external_id', 'session_name', 'regions', 'endpoint', 'use_fips']);
    const regions = view.strList([...at, 'regions']) ?? (c.region ? [c.region] : []);
    if (!regions.length) view.fail(at, 'an account of cloudwatch.accounts needs regions (or cloudwatch.region)');
    const { account: _account, ...id } = identity(view, at);
    return { regions, ...id, ...(id.endpoint ? {} : c.endpoint ? { endpoint: c.endpoint } : {}) };
  });
}

/** role_arn, external_id, session_name, endpoint, use_fips of a cluster or an account entry. */
function identity(view: ConfigView, at: (string | number)[]): Omit<ClusterTarget, 'name' | 'logGroup' | 'region'> {
  const key = (k: string) => [...at, k];
  const roleArn = view.str(key('role_arn')) || undefined;
  if (roleArn && !ROLE_ARN.test(roleArn)) view.fail(key('role_arn'), `"${roleArn}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
  const externalId = view.str(key('external_id')) || undefined;
  const sessionName = view.str(key('session_name')) || undefined;
  if ((externalId || sessionName) && !roleArn) view.fail(key(externalId ? 'external_id' : 'session_name'), 'external_id and session_name go with role_arn');
  if (sessionName && !/^[\w+=,.@-]{2,64}$/.test(sessionName)) view.fail(key('session_name'), 'session_name: 2 to 64 letters, digits and +=,.@_-');
  const endpoint = view.str(key('endpoint')) || undefined;
  const useFips = view.has(key('use_fips')) ? view.bool(key('use_fips'), false) : undefined;
  return {
    ...(roleArn ? { roleArn, account: accountOf(roleArn) } : {}), ...(externalId ? { externalId } : {}), ...(sessionName ? { sessionName } : {}),
    ...(endpoint ? { endpoint } : {}), ...(useFips !== undefined ? { useFips } : {}),
  };
}

/** A cluster with the block's defaults filled in. */
function target(c: CloudWatchConfig, name: string, t: Partial<ClusterTarget>): ClusterTarget {
  const trimmed = name.trim();
  return {
    ...t,
    name: trimmed || clusterOf(t.logGroup ?? ''),
    logGroup: t.logGroup ?? (trimmed ? logGroupOf(trimmed) : ''),
    ...(t.region ?? c.region ? { region: t.region ?? c.region } : {}),
    ...(t.endpoint ?? c.endpoint ? { endpoint: t.endpoint ?? c.endpoint } : {}),
  };
}

/** Keys of a mapping that kawa does not know are errors here: a typo in a fleet entry would read the wrong account. */
function known(view: ConfigView, at: (string | number)[], keys: string[]): void {
  const node = view.node(at);
  if (!isMap(node)) return;
  for (const pair of node.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!keys.includes(k)) view.fail([...at, k], `unknown key '${k}' (one of ${keys.join(', ')})`);
  }
}

export interface CloudWatchFlags {
  cloudwatch?: string;
  region?: string;
  profile?: string;
  endpoint?: string;
  checkpoint?: string;
  since?: string;
  until?: string;
  maxTps?: string;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A point in time: ISO 8601 / RFC 3339 (a date alone is midnight UTC), or a duration ago (90s, 30m, 12h, 7d, 2w). */
export function parseTime(text: string, flag: string, now = Date.now()): number {
  const ago = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  if (ago) return now - Number(ago[1]) * UNIT_MS[ago[2]!]!;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (!Number.isFinite(ms)) throw new KawaError('KAWA_ERR_USAGE', `${flag} ${text}: not a time (2026-11-30, 2026-11-30T12:00:00Z, or ago: 90m, 12h, 7d)`);
  return ms;
}

/** `kawa run --cloudwatch CLUSTER [--region R] [--profile P] [--endpoint URL] [--checkpoint FILE]` over the configuration's keys. */
export function applyCloudWatchFlags(base: CloudWatchConfig | undefined, flags: CloudWatchFlags): CloudWatchConfig {
  const c = { ...(base ?? defaultCloudWatchConfig()) };
  if (flags.region) c.region = flags.region;
  if (flags.profile) c.profile = flags.profile;
  if (flags.endpoint) c.endpoint = flags.endpoint;
  if (flags.checkpoint) c.checkpoint = flags.checkpoint;
  if (flags.maxTps !== undefined) {
    const n = Number(flags.maxTps);
    if (!(n > 0)) throw new KawaError('KAWA_ERR_USAGE', `--max-tps ${flags.maxTps}: a number of requests per second > 0`);
    c.maxTps = n;
  }
  if (flags.until !== undefined && flags.since === undefined) throw new KawaError('KAWA_ERR_USAGE', '--until goes with --since (a backfill)');
  if (flags.since !== undefined) {
    const now = Date.now();
    c.since = parseTime(flags.since, '--since', now);
    c.until = flags.until === undefined ? now : parseTime(flags.until, '--until', now);
    if (c.until <= c.since) throw new KawaError('KAWA_ERR_USAGE', `--since ${flags.since} is not before --until ${flags.until ?? 'now'}`);
  }
  if (flags.cloudwatch) {
    const names = flags.cloudwatch.split(',').map((n) => n.trim()).filter(Boolean);
    if (names.length > 1) {
      // --cloudwatch a,b,c: a fleet in the region of the flags or the configuration
      c.cluster = '';
      c.logGroup = '';
      c.clusters = names.map((name) => target(c, name, {}));
      c.discover = undefined;
    } else {
      const keepGroup = base && base.logGroup && base.logGroup !== logGroupOf(base.cluster);
      c.cluster = names[0] ?? '';
      if (!keepGroup) c.logGroup = logGroupOf(c.cluster);
      c.clusters = [];
      c.discover = undefined;
    }
  }
  return c;
}
