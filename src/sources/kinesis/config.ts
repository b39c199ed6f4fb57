// The Kinesis source's configuration in falco.yaml (design.md §1, with falco.yaml's snake_case keys), also
// settable with `kawa run --kinesis STREAM [--region R] [--endpoint URL] [--dynamodb-endpoint URL]
// [--lease-table T] [--alert-table T]` and -o source.KEY=V:
//
//   source:
//     type: kinesis
//     kinesis:
//       stream: kawa-prod                  a stream name, or its ARN (arn:aws:kinesis:...:stream/NAME)
//       region: eu-west-1
//       endpoint: http://127.0.0.1:4567    kinesalite in tests; default AWS
//       initial_position: TRIM_HORIZON     | LATEST | AT_TIMESTAMP (with initial_timestamp, ISO or ms)
//       log_groups: [/aws/eks/prod/cluster]  accept-list on the payload's logGroup (empty: any)
//       log_stream_prefix: kube-apiserver-audit-
//       poll_idle_ms: 1000                 sleep after an empty GetRecords
//       poll_busy_ms: 200                  after a non-empty one (>= 200: at most 5 reads/s/shard)
//       max_records_per_call: 1000
//       max_inflight_batches_per_shard: 2
//     leases:
//       table: kawa-prod-leases            default: kawa-<stream>-leases
//       create_table: true
//       endpoint: ~                        DynamoDB endpoint (dynalite in tests); default AWS
//       worker_id: ~                       default <hostname>-<pid>-<random>
//       lease_duration_ms: 10000
//       renew_interval_ms: 3000
//       scan_interval_ms: 5000
//       max_leases_per_worker: 0           0: no limit
//       graceful_handoff: true
//       checkpoint_interval_ms: 1000
//     dedup:
//       alert_table: ~                     the shared alert table (exactly-once alerts across processes)
//       alert_ttl_hours: 72
//       recent_event_ids: 200000
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { isMap } from 'yaml';
import type { ConfigView } from '../../core/config-view.js';

export interface KinesisConfig {
  streamName?: string;
  streamArn?: string;
  region?: string;
  endpoint?: string;
  /** TRIM_HORIZON, LATEST or AT_TIMESTAMP:<ms>: the first checkpoint of a shard with no known parent. */
  initialPosition: string;
  logGroups: string[];
  logStreamPrefix: string;
  pollIdleMs: number;
  pollBusyMs: number;
  maxRecordsPerCall: number;
  maxInflightBatchesPerShard: number;
  leases: {
    table: string;
    createTable: boolean;
    endpoint?: string;
    workerId: string;
    leaseDurationMs: number;
    renewIntervalMs: number;
    scanIntervalMs: number;
    maxLeasesPerWorker: number;
    gracefulHandoff: boolean;
    checkpointIntervalMs: number;
  };
  dedup: {
    alertTable?: string;
    createTable: boolean;
    alertTtlHours: number;
    recentEventIds: number;
  };
}

export function defaultWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function defaultKinesisConfig(stream = ''): KinesisConfig {
  return {
    ...streamRef(stream),
    initialPosition: 'TRIM_HORIZON',
    logGroups: [],
    logStreamPrefix: 'kube-apiserver-audit-',
    pollIdleMs: 1000, pollBusyMs: 200, maxRecordsPerCall: 1000, maxInflightBatchesPerShard: 2,
    leases: {
      table: '', createTable: true, workerId: defaultWorkerId(), leaseDurationMs: 10_000, renewIntervalMs: 3000,
      scanIntervalMs: 5000, maxLeasesPerWorker: 0, gracefulHandoff: true, checkpointIntervalMs: 1000,
    },
    dedup: { createTable: true, alertTtlHours: 72, recentEventIds: 200_000 },
  };
}

/** A stream name or ARN. */
export function streamRef(stream: string): { streamName?: string; streamArn?: string } {
  if (!stream) return {};
  if (stream.startsWith('arn:')) return { streamArn: stream, streamName: stream.slice(stream.lastIndexOf('/') + 1) };
  return { streamName: stream };
}

/** The source block when it says `type: kinesis`, else undefined. */
export function readKinesisConfig(view: ConfigView): KinesisConfig | undefined {
  if (!view.has(['source'])) return undefined;
  if (!isMap(view.node(['source']))) view.fail(['source'], 'source must be a mapping');
  const type = view.str(['source', 'type']);
  if (type !== 'kinesis') return undefined;
  const k = (key: string) => ['source', 'kinesis', key];
  const l = (key: string) => ['source', 'leases', key];
  const d = (key: string) => ['source', 'dedup', key];
  const c = defaultKinesisConfig(view.str(k('stream')) ?? view.str(k('stream_arn')) ?? view.str(k('stream_name')) ?? '');
  c.region = view.str(k('region')) || undefined;
  c.endpoint = view.str(k('endpoint')) || undefined;
  const initial = (view.str(k('initial_position')) ?? c.initialPosition).toUpperCase();
  if (initial === 'AT_TIMESTAMP') {
    const raw = view.str(k('initial_timestamp')) ?? '';
    const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
    if (!Number.isFinite(ms)) view.fail(k('initial_timestamp'), 'source.kinesis.initial_timestamp must be an ISO time or Unix ms with initial_position AT_TIMESTAMP');
    c.initialPosition = `AT_TIMESTAMP:${ms}`;
  } else if (initial === 'TRIM_HORIZON' || initial === 'LATEST') {
    c.initialPosition = initial;
  } else {
    view.fail(k('initial_position'), `source.kinesis.initial_position must be TRIM_HORIZON, LATEST or AT_TIMESTAMP, not ${initial}`);
  }
  c.logGroups = view.strList(k('log_groups')) ?? [];
  c.logStreamPrefix = view.str(k('log_stream_prefix'), c.logStreamPrefix);
  c.pollIdleMs = view.num(k('poll_idle_ms'), c.pollIdleMs);
  c.pollBusyMs = view.num(k('poll_busy_ms'), c.pollBusyMs);
  c.maxRecordsPerCall = view.num(k('max_records_per_call'), c.maxRecordsPerCall, { min: 1 });
  if (c.maxRecordsPerCall > 10_000) view.fail(k('max_records_per_call'), 'source.kinesis.max_records_per_call must be at most 10000 (the GetRecords limit)');
  c.maxInflightBatchesPerShard = view.num(k('max_inflight_batches_per_shard'), c.maxInflightBatchesPerShard, { min: 1 });
  const L = c.leases;
  L.table = view.str(l('table'), L.table);
  L.createTable = view.bool(l('create_table'), L.createTable);
  L.endpoint = view.str(l('endpoint')) || undefined;
  L.workerId = view.str(l('worker_id')) || L.workerId;
  L.leaseDurationMs = view.num(l('lease_duration_ms'), L.leaseDurationMs, { min: 100 });
  // defaults follow the lease duration: a third of it for renewals, half for scans (3 s and 5 s at 10 s)
  L.renewIntervalMs = view.num(l('renew_interval_ms'), Math.min(3000, Math.floor(L.leaseDurationMs / 3)), { min: 10 });
  if (L.renewIntervalMs * 2 > L.leaseDurationMs) view.fail(l('renew_interval_ms'), 'source.leases.renew_interval_ms must be at most half of lease_duration_ms');
  L.scanIntervalMs = view.num(l('scan_interval_ms'), Math.min(5000, Math.floor(L.leaseDurationMs / 2)), { min: 10 });
  L.maxLeasesPerWorker = view.num(l('max_leases_per_worker'), L.maxLeasesPerWorker);
  L.gracefulHandoff = view.bool(l('graceful_handoff'), L.gracefulHandoff);
  L.checkpointIntervalMs = view.num(l('checkpoint_interval_ms'), L.checkpointIntervalMs);
  const D = c.dedup;
  D.alertTable = view.str(d('alert_table')) || undefined;
  D.createTable = view.bool(d('create_table'), D.createTable);
  D.alertTtlHours = view.num(d('alert_ttl_hours'), D.alertTtlHours, { min: 1 });
  D.recentEventIds = view.num(d('recent_event_ids'), D.recentEventIds);
  return c;
}

export interface KinesisFlags {
  kinesis?: string;
  region?: string;
  endpoint?: string;
  dynamodbEndpoint?: string;
  leaseTable?: string;
  alertTable?: string;
}

/** The flags over the configuration's block (or the defaults). */
export function applyKinesisFlags(base: KinesisConfig | undefined, f: KinesisFlags): KinesisConfig {
  const c: KinesisConfig = structuredClone(base ?? defaultKinesisConfig());
  if (f.kinesis) Object.assign(c, { streamName: undefined, streamArn: undefined }, streamRef(f.kinesis));
  if (f.region) c.region = f.region;
  if (f.endpoint) c.endpoint = f.endpoint;
  if (f.dynamodbEndpoint) c.leases.endpoint = f.dynamodbEndpoint;
  if (f.leaseTable) c.leases.table = f.leaseTable;
  if (f.alertTable) c.dedup.alertTable = f.alertTable;
  if (!c.leases.table && c.streamName) c.leases.table = `kawa-${c.streamName}-leases`;
  return c;
}
