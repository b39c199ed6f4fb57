// The CloudWatch Logs source's descriptor: `kawa run --cloudwatch CLUSTER[,CLUSTER...]`, or a falco.yaml that
// loads the k8saudit-eks plugin (or has a `cloudwatch:` block), reads EKS audit logs as a service; with
// --since (and --until) it reads that past range of every cluster once, through the worker pool, and ends.
import { availableParallelism } from 'node:os';
import { defineSource } from '../kind.js';
import { applyCloudWatchFlags, readCloudWatchConfig, type CloudWatchConfig } from './config.js';
import type { CloudWatchSource } from './source.js';

export const cloudWatchSource = defineSource({
  name: 'cloudwatch',
  description: "an EKS cluster's audit log in CloudWatch Logs (--cloudwatch CLUSTER, or the k8saudit-eks plugin block)",
  flags: [
    { flags: '--cloudwatch <clusters>', description: "read the EKS clusters' audit logs from CloudWatch Logs (a name, or names separated by commas)" },
    { flags: '--region <region>', description: 'AWS region (CloudWatch, Kinesis)' },
    { flags: '--profile <profile>', description: 'AWS profile for the credentials (CloudWatch)' },
    { flags: '--endpoint <url>', description: "AWS endpoint of the source's service, e.g. the emulator's (CloudWatch, Kinesis)" },
    { flags: '--checkpoint <file>', description: 'where the CloudWatch position is kept across restarts (a directory for several clusters)' },
    { flags: '--since <time>', description: 'backfill: read the clusters from this time (ISO 8601, or ago: 90m, 12h, 7d) to --until, then end' },
    { flags: '--until <time>', description: 'backfill: up to this time (default: now)' },
    { flags: '--max-tps <n>', description: 'FilterLogEvents requests per second per account and region (cloudwatch.max_tps; AWS allows 5, shared)' },
  ],
  selector: 'cloudwatch',
  configSelects: (config) => config !== undefined,
  service: (config: CloudWatchConfig) => config.since === undefined,
  defaultWorkers: async (config: CloudWatchConfig) => (config.since === undefined ? 0 : availableParallelism()),
  readConfig: (view) => readCloudWatchConfig(view),
  applyFlags: (base: CloudWatchConfig | undefined, flags): CloudWatchConfig => applyCloudWatchFlags(base, flags),
  engineOptions: (config: CloudWatchConfig) => ({ maxEventSize: config.maxEventSize }),
  open: async (config: CloudWatchConfig, ctx): Promise<CloudWatchSource> => {
    const { CloudWatchSource } = await import('./source.js');
    return CloudWatchSource.open(config, { logger: ctx.logger, metrics: ctx.metrics });
  },
});
