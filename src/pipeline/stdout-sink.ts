// Alerts to stdout, one per line (Falco's text line, or JSON), with backpressure: emit() resolves once the
// pipe took the text, so a slow reader slows the run instead of growing memory. When the reader goes away
// (`kawa run ... | head`) the sink turns `closed` and drops further alerts, so the run can stop quietly
// instead of dying on EPIPE.
import { AlertFormatter } from '../alerts/format.js';
import type { OutputOptions } from '../alerts/output-options.js';
import type { Alert, AlertSink } from './types.js';

export class StdoutSink implements AlertSink {
  closed = false;
  private readonly formatter: AlertFormatter;
  private readonly json: boolean;

  constructor(output: OutputOptions, private readonly out: NodeJS.WritableStream = process.stdout) {
    this.formatter = new AlertFormatter(output);
    this.json = output.jsonOutput ?? false;
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      this.closed = true;
    });
  }

  async emit(alerts: Alert[]): Promise<void> {
    let text = '';
    for (const { match, eventId } of alerts) text += (this.json ? this.formatter.json(match, eventId) : this.formatter.text(match)) + '\n';
    await this.write(text);
  }

  /** Writes other text in order with the alerts (Falco's end-of-run summary). */
  async write(text: string): Promise<void> {
    if (!text || this.closed) return;
    if (this.out.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('close', done);
        this.out.off('error', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
      this.out.on('error', done);
    });
  }

  /** Every write already waited for the pipe. */
  async flush(): Promise<void> {}

  async close(): Promise<void> {}
}
