// The CloudWatch Logs source's descriptor: `kawa run --cloudwatch CLUSTER`, or a falco.yaml that loads the
// k8saudit-eks plugin (or has a `cloudwatch:` block), reads the EKS audit log as a service.
import { defineSource } from '../kind.js';
import { applyCloudWatchFlags, readCloudWatchConfig, type CloudWatchConfig } from './config.js';
import type { CloudWatchSource } from './source.js';

export const cloudWatchSource = defineSource({
  name: 'cloudwatch',
  description: "an EKS cluster's audit log in CloudWatch Logs (--cloudwatch CLUSTER, or the k8saudit-eks plugin block)",
  flags: [
    { flags: '--cloudwatch <cluster>', description: "read the EKS cluster's audit log from CloudWatch Logs, as a service" },
    { flags: '--region <region>', description: 'AWS region (CloudWatch, Kinesis)' },
    { flags: '--profile <profile>', description: 'AWS profile for the credentials (CloudWatch)' },
    { flags: '--endpoint <url>', description: "AWS endpoint of the source's service, e.g. the emulator's (CloudWatch, Kinesis)" },
    { flags: '--checkpoint <file>', description: 'where the CloudWatch position is kept across restarts' },
  ],
  selector: 'cloudwatch',
  configSelects: true,
  service: true,
  readConfig: (view) => readCloudWatchConfig(view),
  applyFlags: (base: CloudWatchConfig | undefined, flags): CloudWatchConfig => applyCloudWatchFlags(base, flags),
  engineOptions: (config: CloudWatchConfig) => ({ maxEventSize: config.maxEventSize }),
  open: async (config: CloudWatchConfig, ctx): Promise<CloudWatchSource> => {
    const { CloudWatchSource } = await import('./source.js');
    return CloudWatchSource.open(config, { logger: ctx.logger, metrics: ctx.metrics });
  },
});
