// Test harness for the Kinesis path: kinesalite and dynalite in this process on 127.0.0.1 (emulators.md §2),
// SDK clients for them, a seeder writing records in the exact CloudWatch subscription format (design.md §14),
// and the audit events with known ids the assertions compare against.
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const require = createRequire(import.meta.url);

export const GROUP = '/aws/eks/c/cluster';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const creds = { accessKeyId: 'local', secretAccessKey: 'local' };

interface Listening {
  listen(port: number, host: string, cb: () => void): void;
  address(): AddressInfo;
  close(cb: () => void): void;
}

export interface LocalAws {
  kinesisUrl: string;
  dynamoUrl: string;
  kinesis: KinesisClient;
  dynamo: DynamoDBClient;
  close(): Promise<void>;
}

async function listen(server: Listening): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${server.address().port}`;
}

export async function startLocalAws(): Promise<LocalAws> {
  const kinesalite = require('kinesalite')({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100 }) as Listening;
  const dynalite = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Listening;
  const kinesisUrl = await listen(kinesalite);
  const dynamoUrl = await listen(dynalite);
  const kinesis = new KinesisClient({ endpoint: kinesisUrl, region: 'us-east-1', credentials: creds, requestHandler: new NodeHttpHandler() });
  const dynamo = new DynamoDBClient({ endpoint: dynamoUrl, region: 'us-east-1', credentials: creds, requestHandler: new NodeHttpHandler() });
  return {
    kinesisUrl, dynamoUrl, kinesis, dynamo,
    close: async () => {
      kinesis.destroy();
      dynamo.destroy();
      await Promise.all([kinesalite, dynalite].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

export async function createStream(kinesis: KinesisClient, name: string, shards: number): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const s = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(20);
  }
}

export interface SeedEvent {
  id: string;
  timestamp: number;
  message: string;
}

/** A 56-digit decimal id, unique per n (the CloudWatch id family). */
export const eventId = (n: number) => `3${String(n).padStart(55, '0')}`;

export function auditMessage(i: number, ts: number, extra: Record<string, unknown> = {}): string {
  const t = new Date(ts).toISOString().replace('Z', '000Z');
  return JSON.stringify({
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `a-${i}`, stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/default/pods/p${i}`, verb: 'get', user: { username: 'alice' }, sourceIPs: ['10.0.0.1'],
    objectRef: { resource: 'pods', namespace: 'default', name: `p${i}`, apiVersion: 'v1' }, ...extra,
    requestReceivedTimestamp: t, stageTimestamp: t,
  });
}

/** Events numbered from `from`; every `attackEvery`-th is an attack (user `mallory`) that the ATTACK rule catches. */
export function makeEvents(from: number, count: number, attackEvery = 10): SeedEvent[] {
  const t0 = Date.UTC(2026, 10, 1, 12);
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const attack = attackEvery > 0 && i % attackEvery === 0;
    return { id: eventId(i), timestamp: t0 + i, message: auditMessage(i, t0 + i, attack ? { user: { username: 'mallory' } } : {}) };
  });
}

export function dataRecord(events: SeedEvent[], logStream = 'kube-apiserver-audit-0', logGroup = GROUP): Uint8Array {
  return gzipSync(JSON.stringify({
    messageType: 'DATA_MESSAGE', owner: '123456789012', logGroup, logStream, subscriptionFilters: ['kawa'], logEvents: events,
  }));
}

export function controlRecord(): Uint8Array {
  return gzipSync(JSON.stringify({
    messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [],
    logEvents: [{ id: '', timestamp: Date.now(), message: 'CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.' }],
  }));
}

/** Writes records with random partition keys (distribution Random), at most 500 per PutRecords. */
export async function putRecords(kinesis: KinesisClient, stream: string, records: Uint8Array[]): Promise<void> {
  for (let i = 0; i < records.length; i += 500) {
    const chunk = records.slice(i, i + 500).map((Data) => ({ Data, PartitionKey: Math.random().toString(36).slice(2) }));
    for (let pending = chunk; pending.length;) {
      const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: pending }));
      pending = pending.filter((_, k) => out.Records?.[k]?.ErrorCode);
    }
  }
}

/** Events grouped into records of `perRecord` events, spread over a few log streams. */
export function recordsOf(events: SeedEvent[], perRecord: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < events.length; i += perRecord) out.push(dataRecord(events.slice(i, i + perRecord), `kube-apiserver-audit-${(i / perRecord) % 3}`));
  return out;
}

/** Writes `events` over `durationMs`, in records of `perRecord`, in steps of ~100 ms. */
export async function produce(kinesis: KinesisClient, stream: string, events: SeedEvent[], perRecord: number, durationMs: number): Promise<void> {
  const records = recordsOf(events, perRecord);
  const steps = Math.max(1, Math.round(durationMs / 100));
  const per = Math.ceil(records.length / steps);
  const started = performance.now();
  for (let s = 0; s * per < records.length; s++) {
    await putRecords(kinesis, stream, records.slice(s * per, (s + 1) * per));
    const wait = started + (s + 1) * 100 - performance.now();
    if (wait > 0) await sleep(wait);
  }
}

export const RULES = `
- rule: Any audit event
  desc: every event, so that delivery can be counted through alerts
  condition: ka.auditid exists and ka.user.name != mallory
  output: seen %ka.auditid
  priority: INFO
  source: k8s_audit
- rule: Mallory acts
  desc: the attack the scenarios expect an alert for
  condition: ka.user.name = mallory
  output: attack %ka.auditid
  priority: WARNING
  source: k8s_audit
`;
