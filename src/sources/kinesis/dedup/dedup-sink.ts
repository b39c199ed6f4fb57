// An AlertSink in front of the outputs that gives every alert its deterministic id and, with the shared
// alert table, lets through only the alerts no process has sent yet (design.md §6). The outputs stay
// unaware of it: it is a wrapper the service puts around them for sources that re-deliver (Kinesis).
//
// emit(): claim every alert id in the table (concurrently) → hand the claimed alerts to the outputs → wait
// until the outputs flushed them → mark them sent. The pipeline acknowledges the batch (and the source then
// checkpoints) only after this resolves. Without a table only the ids are attached.
import { randomBytes } from 'node:crypto';
import type { Alert, AlertSink } from '../../../pipeline/types.js';
import { alertId } from '../../../alerts/alert-id.js';
import type { AlertTable } from './alert-table.js';

/** The alert table calls a batch makes, as its failures are counted. */
export type TableCall = 'claim' | 'recheck' | 'mark_sent';

/** What the sink tells its source: repeats dropped, and the alert table failing and coming back. */
export interface DedupSinkEvents {
  duplicates?(n: number): void;
  /** A table call failed; it is retried and the batch waits. */
  tableError?(call: TableCall, e: unknown): void;
  /** A table call succeeded. */
  tableOk?(): void;
}

/** Retries a table call until it succeeds: sending without the table could repeat an alert, and dropping
 *  would lose it, so the batch waits (the pipeline's bounded window then stops the reading). Each failure is
 *  told to the source, which counts it and says so. */
async function persist<T>(call: TableCall, run: () => Promise<T>, events: DedupSinkEvents): Promise<T> {
  // short retries: a claim left `sending` too long is taken over by another process, which sends it again
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    try {
      const out = await run();
      events.tableOk?.();
      return out;
    } catch (e) {
      events.tableError?.(call, e);
      await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random() / 2)));
    }
  }
}

/** An alert with its deterministic id (when its event has an id). */
export interface IdentifiedAlert extends Alert {
  alertId?: string;
}

export interface DedupSinkStats {
  /** Alerts dropped because the table said another process (or an earlier read) had sent them. */
  duplicates: number;
  claimed: number;
}

export class DedupSink implements AlertSink {
  readonly stats: DedupSinkStats = { duplicates: 0, claimed: 0 };
  // claim tokens: unique across processes (the prefix) and across this process's attempts (the counter)
  private readonly tokenPrefix = randomBytes(8).toString('hex');
  private claimsMade = 0;

  constructor(
    private readonly inner: AlertSink,
    private readonly table?: AlertTable,
    private readonly events: DedupSinkEvents = {},
  ) {}

  async emit(alerts: Alert[]): Promise<void> {
    const identified: IdentifiedAlert[] = alerts.map((a) => ({ ...a, alertId: alertId(a.match.rule.name, a.eventId) }));
    if (!this.table) return this.inner.emit(identified);
    const table = this.table;
    const started = performance.now();
    const tokens = identified.map(() => `${this.tokenPrefix}-${(this.claimsMade++).toString(36)}`);
    const claims = await Promise.all(identified.map((a, i) => (a.alertId ? persist('claim', () => table.claim(a.alertId!, tokens[i]!), this.events) : 'claimed')));
    let send = identified.map((alert, i) => ({ alert, token: tokens[i]! })).filter((_, i) => claims[i] === 'claimed');
    // A process stalled after claiming (paused by SIGSTOP, starved) may have had its claims taken over
    // meanwhile. The monotonic clock counts the stall, so the check is repeated until one completes
    // quickly, and nothing awaits between the last check and the hand-off to the outputs: only a stall
    // inside that synchronous stretch (or inside the outputs) can still repeat an alert.
    for (let checkedAt = started; performance.now() - checkedAt > table.recheckAfterMs;) {
      checkedAt = performance.now();
      const mine = await Promise.all(send.map(({ alert, token }) => (alert.alertId ? persist('recheck', () => table.stillMine(alert.alertId!, token), this.events) : true)));
      send = send.filter((_, i) => mine[i]);
    }
    const dropped = identified.length - send.length;
    if (dropped) {
      this.stats.duplicates += dropped;
      this.events.duplicates?.(dropped);
    }
    if (!send.length) return;
    this.stats.claimed += send.length;
    await this.inner.emit(send.map((s) => s.alert));
    await this.inner.flush();
    await Promise.all(send.map(({ alert, token }) => (alert.alertId ? persist('mark_sent', () => table.markSent(alert.alertId!, token), this.events) : undefined)));
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
