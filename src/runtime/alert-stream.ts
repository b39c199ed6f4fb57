// The alerts of a run, for the program embedding kawa: every alert still goes to the configured outputs, and
// also to whoever listens here, as Falco's JSON alert object (the one http_output posts). Listeners get an
// 'alert' event each; iterators (alerts()) get their own bounded queue, and a full queue makes the pipeline
// wait (as a slow output does) instead of growing memory. Nothing is built while nobody listens.
import { EventEmitter } from 'node:events';
import { AlertFormatter } from '../alerts/format.js';
import type { OutputOptions } from '../alerts/output-options.js';
import { AsyncQueue } from '../core/async-queue.js';
import type { Alert, AlertSink } from '../pipeline/types.js';

/** One alert as Falco's JSON output has it (json_output), plus kawa's event id when the source has one. */
export interface KawaAlert {
  /** The event's time, RFC 3339 with nanoseconds. */
  time: string;
  /** The rule's name. */
  rule: string;
  /** The rule's priority. */
  priority: string;
  /** The event source: k8s_audit. */
  source: string;
  /** The rule's tags. */
  tags: string[];
  /** The host kawa runs on. */
  hostname: string;
  /** The rendered output line (absent when json_include_output_property is false). */
  output?: string;
  /** Every field of the output with its value (absent when json_include_output_fields_property is false). */
  output_fields?: Record<string, unknown>;
}

export class AlertStream extends EventEmitter implements AlertSink {
  private readonly formatter: AlertFormatter;
  private readonly queues = new Set<AsyncQueue<KawaAlert>>();

  constructor(private readonly outputs: AlertSink, format: OutputOptions, private readonly capacity = 1000) {
    super();
    // every field of the JSON object, whatever the outputs' own JSON options
    this.formatter = new AlertFormatter({ ...format, jsonIncludeOutputProperty: true, jsonIncludeOutputFieldsProperty: true, jsonIncludeTagsProperty: true });
  }

  /** Workers may render lines only when the outputs write them; the listeners here need the values. */
  get lineFormat(): OutputOptions | undefined {
    return undefined;
  }

  /** An iterator over the alerts from now on, ending when the run ends. */
  alerts(): AsyncIterableIterator<KawaAlert> {
    const q = new AsyncQueue<KawaAlert>({ maxItems: this.capacity });
    this.queues.add(q);
    const it = q[Symbol.asyncIterator]();
    const iterator: AsyncIterableIterator<KawaAlert> = {
      next: () => it.next(),
      return: async () => {
        this.queues.delete(q);
        q.abandon();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  async emit(alerts: Alert[]): Promise<void>;
  emit(event: string | symbol, ...args: unknown[]): boolean;
  emit(first: Alert[] | string | symbol, ...args: unknown[]): Promise<void> | boolean {
    if (typeof first === 'string' || typeof first === 'symbol') return super.emit(first, ...args);
    return this.deliver(first);
  }

  flush(): Promise<void> {
    return this.outputs.flush();
  }

  async close(): Promise<void> {
    for (const q of this.queues) q.close();
    this.queues.clear();
    await this.outputs.close();
  }

  reopen(): void {
    this.outputs.reopen?.();
  }

  private async deliver(alerts: Alert[]): Promise<void> {
    if (this.listenerCount('alert') || this.queues.size) {
      for (const a of alerts) {
        const alert = JSON.parse(this.formatter.json(a.match, a.eventId, a.context)) as KawaAlert;
        super.emit('alert', alert);
        for (const q of this.queues) await q.put(alert);
      }
    }
    await this.outputs.emit(alerts);
  }
}
