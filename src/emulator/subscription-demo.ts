// The scale-out path on one machine, for `kawa demo` and tests: kinesalite and dynalite on loopback (both
// development dependencies: the installed kawa package may lack them, which is a coded error), a stream,
// and a subscription filter from the CloudWatch emulator's log group to it. Then
//   CloudWatch emulator PutLogEvents → subscription filter → Kinesis (kinesalite) → N kawa Kinesis sources,
// with leases and the alert table in dynalite.
//
//   const local = await startLocalKinesis({ streamName: 'kawa-demo', shards: 4 });
//   const emu = await startEmulator({ kinesis: { endpoint: local.kinesisEndpoint } });
//   await subscribeToKinesis(emu.url, '/aws/eks/demo/cluster', local.streamArn);
//   then Kinesis sources on local.kinesisEndpoint, their tables on local.dynamodbEndpoint
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CloudWatchLogsClient, PutSubscriptionFilterCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { KawaError } from '../core/errors.js';

interface Server {
  listen(port: number, host: string, cb: () => void): void;
  address(): AddressInfo;
  close(cb: () => void): void;
}

export interface LocalKinesis {
  kinesisEndpoint: string;
  dynamodbEndpoint: string;
  streamName: string;
  streamArn: string;
  close(): Promise<void>;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function load(name: 'kinesalite' | 'dynalite'): (opts: Record<string, unknown>) => Server {
  try {
    return createRequire(import.meta.url)(name) as (opts: Record<string, unknown>) => Server;
  } catch {
    throw new KawaError('KAWA_ERR_USAGE', `the local Kinesis path needs the development dependency ${name} (npm install in a kawa checkout)`);
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${server.address().port}`;
}

export async function startLocalKinesis(o: { streamName?: string; shards?: number } = {}): Promise<LocalKinesis> {
  const kinesalite = load('kinesalite')({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 });
  const dynalite = load('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const kinesisEndpoint = await listen(kinesalite);
  const dynamodbEndpoint = await listen(dynalite);
  const streamName = o.streamName ?? 'kawa-demo';
  const client = new KinesisClient({ endpoint: kinesisEndpoint, region: 'us-east-1', credentials, requestHandler: new NodeHttpHandler() });
  try {
    await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: o.shards ?? 4 }));
    for (;;) {
      const s = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    client.destroy();
  }
  return {
    kinesisEndpoint, dynamodbEndpoint, streamName,
    streamArn: `arn:aws:kinesis:us-east-1:123456789012:stream/${streamName}`,
    close: async () => {
      await Promise.all([kinesalite, dynalite].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/**
 * PutSubscriptionFilter on the emulator: every event of the log group (matching `filterPattern`) goes to the
 * stream, distribution Random. `accessKeyId` picks the emulator namespace the log group lives in.
 */
export async function subscribeToKinesis(emulatorUrl: string, logGroup: string, streamArn: string, o: { accessKeyId?: string; filterPattern?: string } = {}): Promise<void> {
  const logs = new CloudWatchLogsClient({ endpoint: emulatorUrl, region: 'us-east-1', credentials: { accessKeyId: o.accessKeyId ?? 'local', secretAccessKey: 'local' } });
  try {
    await logs.send(new PutSubscriptionFilterCommand({
      logGroupName: logGroup, filterName: 'kawa', filterPattern: o.filterPattern ?? '', destinationArn: streamArn,
      roleArn: 'arn:aws:iam::123456789012:role/CWLtoKinesis', distribution: 'Random',
    }));
  } finally {
    logs.destroy();
  }
}
