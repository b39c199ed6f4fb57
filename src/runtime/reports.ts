// The one reporter of input that was not evaluated, for every kind of run: payloads the engine rejected
// (each reason with its code), lines too long to keep, batches the evaluator gave up on. Every report is
// counted by kind; the first MAX_REPORTS of each kind are written with their place and code, the rest only
// counted (so a flood of bad input cannot flood the logs), and the counts end up in the run's summary.
// Where reports go is the writer's choice: `kawa: FILE:LINE: CODE: message` lines on stderr for a run over
// files, structured log lines for a service.
import type { Code } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Rejection } from '../engine/engine.js';

/** Reports of one kind written before the rest are only counted. */
export const MAX_REPORTS = 20;

export interface Report {
  /** What the count is kept by: 'too large', 'parse', 'given up', ... */
  kind: string;
  code: Code;
  /** Where: `file:line`, `log group:stream/eventId`, `webhook request 3 from ...`. */
  origin: string;
  message: string;
  /** For an event the engine rejected: its reason (unrecognized, parse, no_timestamp, too_large). */
  reason?: string;
}

export interface ReportWriter {
  report(r: Report): void;
  /** The kind reached MAX_REPORTS: further ones are only counted. */
  silenced(kind: string): void;
}

const REJECTIONS: Record<Rejection['reason'], { kind: string; code: Code; message: string }> = {
  unrecognized: { kind: 'unrecognized', code: 'KAWA_ERR_EVENT_UNRECOGNIZED', message: 'data not recognized as a k8s audit event' },
  parse: { kind: 'parse', code: 'KAWA_ERR_EVENT_PARSE', message: 'event is not valid JSON' },
  no_timestamp: { kind: 'no timestamp', code: 'KAWA_ERR_EVENT_TIMESTAMP', message: 'audit event without a valid stageTimestamp, dropped' },
  too_large: { kind: 'too large', code: 'KAWA_ERR_EVENT_TOO_LARGE', message: 'audit event larger than the maximum event size, dropped' },
};

export class Reports {
  readonly counts = new Map<string, number>();

  constructor(private readonly writer: ReportWriter) {}

  report(kind: string, code: Code, origin: string, message: string, reason?: string): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n <= MAX_REPORTS) this.writer.report({ kind, code, origin, message, ...(reason ? { reason } : {}) });
    if (n === MAX_REPORTS) this.writer.silenced(kind);
  }

  /** Counts n of a kind said only once (the first time), e.g. events evaluated without an auditID. */
  once(kind: string, code: Code, origin: string, message: string, n: number): void {
    const before = this.counts.get(kind) ?? 0;
    this.counts.set(kind, before + n);
    if (before === 0 && n > 0) {
      this.writer.report({ kind, code, origin, message: `${message} (said once; all are counted)` });
    }
  }

  /** A payload (or an item of it) the engine did not evaluate. */
  rejection(r: Rejection, origin: string): void {
    const { kind, code, message } = REJECTIONS[r.reason];
    // the usual case: CloudWatch cut the event before its stageTimestamp, which comes near the end
    const cut = r.cut ? ' (CloudWatch cut it before its stageTimestamp)' : '';
    // an item of an EventList or array is named by its index in the list, as a JSON pointer would
    this.report(kind, code, r.listItem ? `${origin} items[${r.item}]` : origin, `${message}${cut}`, r.reason);
  }

  get total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }
}

/** `kawa: ORIGIN: CODE: message` lines on stderr: a run over files, read by a person or a script. */
export function stderrWriter(stream: NodeJS.WritableStream = process.stderr): ReportWriter {
  return {
    report: (r) => stream.write(`kawa: ${r.origin}: ${r.code}: ${r.message}\n`),
    silenced: (kind) => stream.write(`kawa: further "${kind}" reports are only counted\n`),
  };
}

/** Warnings in the structured log: a service. */
export function logWriter(logger: Logger): ReportWriter {
  return {
    report: (r) => logger.warn({ origin: r.origin, code: r.code, ...(r.reason ? { reason: r.reason } : { kind: r.kind }) }, r.message),
    silenced: (kind) => logger.warn({ kind }, 'further events not evaluated for this reason are only counted'),
  };
}
