// Subscription filters of the emulator: events stored in a log group that has one are forwarded to a local
// Kinesis stream (kinesalite) in the exact format CloudWatch Logs writes (subscription.md §1): one gzip JSON
// DATA_MESSAGE record per log stream per stored batch, split below the 1 MiB record limit, a CONTROL_MESSAGE
// when the filter is created. Partition key: random (distribution Random) or the log stream name
// (ByLogStream). Delivery is asynchronous and retried until it succeeds, as CloudWatch retries for 24 h.
//
// Attached to a LogStore by startEmulator({ kinesis: { endpoint } }); without it PutSubscriptionFilter is
// refused. Filters live here, keyed by the LogGroup object, so deleting a group drops its filters.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { compileFilterPattern, type Matcher } from './filter-pattern.js';
import type { LogGroup, LogStore } from './store.js';
import type { StoredEvent } from './types.js';

export interface SubscriptionFilter {
  filterName: string;
  filterPattern: string;
  destinationArn: string;
  roleArn?: string;
  distribution: 'Random' | 'ByLogStream';
  creationTime: number;
  matcher: Matcher;
}

export interface SubscriptionOptions {
  /** The local Kinesis endpoint (kinesalite), e.g. http://127.0.0.1:4567. */
  endpoint: string;
  /** Between deliveries of what was stored (default 200 ms). */
  flushMs?: number;
}

/** Largest record data: CloudWatch keeps records under Kinesis's 1 MiB limit. */
const MAX_RECORD_BYTES = 1_000_000;

interface Pending {
  stream: string;
  data: Uint8Array;
  partitionKey: string;
}

export class Subscriptions {
  private readonly filters = new WeakMap<LogGroup, SubscriptionFilter[]>();
  private readonly client: KinesisClient;
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  /** Records delivered to Kinesis, and delivery attempts that failed (retried). */
  readonly stats = { records: 0, events: 0, failures: 0 };

  constructor(private readonly o: SubscriptionOptions) {
    this.client = new KinesisClient({
      endpoint: o.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 10_000 }), maxAttempts: 1,
    });
  }

  list(group: LogGroup): SubscriptionFilter[] {
    return this.filters.get(group) ?? [];
  }

  /** Creates or replaces (same name) a filter; at most two per group, as in CloudWatch. False when a third. */
  put(group: LogGroup, f: Omit<SubscriptionFilter, 'matcher'>): boolean {
    const list = this.list(group).filter((x) => x.filterName !== f.filterName);
    if (list.length >= 2) return false;
    list.push({ ...f, matcher: compileFilterPattern(f.filterPattern) });
    this.filters.set(group, list);
    this.enqueue(streamOf(f.destinationArn), {
      messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [],
      logEvents: [{ id: '', timestamp: Date.now(), message: 'CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.' }],
    }, randomKey());
    return true;
  }

  delete(group: LogGroup, filterName: string): boolean {
    const list = this.list(group);
    const next = list.filter((x) => x.filterName !== filterName);
    this.filters.set(group, next);
    return next.length !== list.length;
  }

  /** Called by the store after each insert. */
  stored(group: LogGroup, events: StoredEvent[]): void {
    for (const f of this.list(group)) {
      const byStream = new Map<string, StoredEvent[]>();
      for (const ev of events) {
        if (!f.matcher(ev.message)) continue;
        let l = byStream.get(ev.stream);
        if (!l) byStream.set(ev.stream, (l = []));
        l.push(ev);
      }
      for (const [logStream, evs] of byStream) this.records(group, logStream, f, evs);
    }
  }

  /** Resolves once everything stored so far was delivered. */
  async flush(): Promise<void> {
    while (this.queue.length || this.sending) await (this.sending ?? this.send());
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.client.destroy();
  }

  private records(group: LogGroup, logStream: string, f: SubscriptionFilter, evs: StoredEvent[]): void {
    const key = f.distribution === 'ByLogStream' ? logStream : undefined;
    let chunk: { id: string; timestamp: number; message: string }[] = [];
    let bytes = 0;
    const emit = () => {
      if (!chunk.length) return;
      this.enqueue(streamOf(f.destinationArn), {
        messageType: 'DATA_MESSAGE', owner: group.owner, logGroup: group.name, logStream, subscriptionFilters: [f.filterName], logEvents: chunk,
      }, key ?? randomKey());
      chunk = [];
      bytes = 0;
    };
    for (const ev of evs) {
      const size = Buffer.byteLength(ev.message) + 100;
      // gzip shrinks audit JSON several times; the uncompressed size keeps a record safely under the limit
      if (bytes + size > MAX_RECORD_BYTES) emit();
      chunk.push({ id: ev.eventId, timestamp: ev.timestamp, message: ev.message });
      bytes += size;
      this.stats.events++;
    }
    emit();
  }

  private enqueue(stream: string, doc: unknown, partitionKey: string): void {
    this.queue.push({ stream, data: gzipSync(JSON.stringify(doc)), partitionKey });
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.send();
    }, this.o.flushMs ?? 200);
  }

  private send(): Promise<void> {
    this.sending ??= this.deliver().finally(() => (this.sending = undefined));
    return this.sending;
  }

  private async deliver(): Promise<void> {
    for (let delay = 200; this.queue.length;) {
      const stream = this.queue[0]!.stream;
      const batch = this.queue.filter((p) => p.stream === stream).slice(0, 500);
      try {
        const out = await this.client.send(new PutRecordsCommand({ StreamName: stream, Records: batch.map((p) => ({ Data: p.data, PartitionKey: p.partitionKey })) }));
        const failed = new Set(batch.filter((_, i) => out.Records?.[i]?.ErrorCode));
        const done = new Set(batch.filter((p) => !failed.has(p)));
        this.stats.records += done.size;
        this.queue = this.queue.filter((p) => !done.has(p));
        if (failed.size) throw new Error(`${failed.size} records refused`);
        delay = 200;
      } catch {
        this.stats.failures++;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }
}

/** arn:aws:kinesis:<region>:<account>:stream/<name> → name. */
export function streamOf(destinationArn: string): string {
  return destinationArn.slice(destinationArn.lastIndexOf('/') + 1);
}

const randomKey = () => randomBytes(8).toString('hex');

const attached = new WeakMap<LogStore, Subscriptions>();

export function attachSubscriptions(store: LogStore, o: SubscriptionOptions): Subscriptions {
  const s = new Subscriptions(o);
  attached.set(store, s);
  store.onInsert = (group, events) => s.stored(group, events);
  return s;
}

export function subscriptionsOf(store: LogStore): Subscriptions | undefined {
  return attached.get(store);
}
