// The Kinesis source's descriptor: `kawa run --kinesis STREAM`, or `source.type: kinesis` in falco.yaml,
// makes this process one of any number sharing a stream fed by a CloudWatch Logs subscription filter. Its
// alerts pass the shared alert table (when configured) before the outputs.
import { defineSource } from '../kind.js';
import { applyKinesisFlags, readKinesisConfig, type KinesisConfig } from './config.js';
import type { KinesisSource } from './source.js';

export const kinesisSource = defineSource({
  name: 'kinesis',
  description: 'a Kinesis stream shared with other kawa processes (--kinesis STREAM, or source.type: kinesis)',
  flags: [
    { flags: '--kinesis <stream>', description: 'read a Kinesis stream fed by a CloudWatch Logs subscription filter, sharing it with other kawa processes' },
    { flags: '--region <region>', description: 'AWS region (CloudWatch, Kinesis)' },
    { flags: '--endpoint <url>', description: "AWS endpoint of the source's service, e.g. the emulator's (CloudWatch, Kinesis)" },
    { flags: '--dynamodb-endpoint <url>', description: 'DynamoDB endpoint for the lease and alert tables (Kinesis)' },
    { flags: '--lease-table <name>', description: 'DynamoDB lease table (Kinesis; default kawa-STREAM-leases)' },
    { flags: '--alert-table <name>', description: 'DynamoDB table making alerts exactly-once across processes (Kinesis)' },
  ],
  selector: 'kinesis',
  configSelects: (config) => config !== undefined,
  service: () => true,
  readConfig: (view) => readKinesisConfig(view),
  applyFlags: (base: KinesisConfig | undefined, flags): KinesisConfig => applyKinesisFlags(base, flags),
  open: async (config: KinesisConfig, ctx): Promise<KinesisSource> => {
    const { KinesisSource } = await import('./source.js');
    return KinesisSource.open(config, { logger: ctx.logger, metrics: ctx.metrics, drainMs: ctx.shutdownTimeoutMs / 2 });
  },
  wrapSink: (source: KinesisSource, outputs) => source.wrapSink(outputs),
});
