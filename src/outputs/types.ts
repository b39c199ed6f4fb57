// What the outputs share: an alert formatted once for all of them, and the interface each output implements.
import type { AlertFormatter } from '../alerts/format.js';
import type { EventContext, Match } from '../engine/engine.js';
import type { Alert } from '../pipeline/types.js';
import type { Priority } from '../rules/types.js';

/** One alert, rendered lazily and at most once per form whatever the number of outputs. */
export class FormattedAlert {
  private text?: string;
  private json?: string;
  /** The line in UTF-8, when a worker rendered it: written as it is, decoded only if a string is asked for. */
  readonly lineUtf8?: Uint8Array;

  readonly match: Match;
  private readonly eventId?: string;
  private readonly context?: EventContext;

  constructor(
    alert: Alert,
    private readonly formatter: AlertFormatter,
    private readonly jsonOutput: boolean,
  ) {
    this.match = alert.match;
    this.eventId = alert.eventId;
    this.context = alert.context;
    // a worker rendered the line with the same format (PoolOptions.render): text, or JSON with json_output
    this.lineUtf8 = alert.line;
  }

  get rule(): string {
    return this.match.rule.name;
  }

  get priority(): Priority {
    return this.match.rule.priority;
  }

  /** The line stdout, file and program outputs write: Falco's text line, or its JSON with json_output. */
  get line(): string {
    return this.jsonOutput ? this.asJson : (this.text ??= this.rendered() ?? this.formatter.text(this.match));
  }

  /** The line's length in bytes of UTF-8 at most: what it takes of an output's queue. */
  get lineSize(): number {
    return this.lineUtf8?.length ?? this.line.length;
  }

  /** Falco's JSON alert, what http_output posts. */
  get asJson(): string {
    return (this.json ??= (this.jsonOutput ? this.rendered() : undefined) ?? this.formatter.json(this.match, this.eventId, this.context));
  }

  private rendered(): string | undefined {
    return this.lineUtf8 && Buffer.from(this.lineUtf8.buffer, this.lineUtf8.byteOffset, this.lineUtf8.length).toString('utf8');
  }
}

export interface Output {
  /** 'stdout', 'file', 'program', 'http': the `output` label of its metrics. */
  readonly name: string;
  /** What it writes of an alert: its line (FormattedAlert.line: text, or JSON with json_output), or always
   *  its JSON. Workers render lines ahead only when every output writes what they render. */
  readonly writes: 'line' | 'json';
  /** Resolves once the alerts are queued within the output's bound, or dropped and counted; never rejects. */
  write(alerts: FormattedAlert[]): Promise<void>;
  /** Alerts accepted and neither delivered nor given up on yet: queued, or being sent. */
  readonly pending: number;
  /** Undefined while the output delivers; else why not. */
  readonly problem: string | undefined;
  /** Alerts fail at once now (the circuit breaker is open). */
  readonly circuitOpen: boolean;
  /** Resolves when everything written so far was delivered or given up on. */
  flush(): Promise<void>;
  /** Flushes, then releases files, processes and connections. */
  close(): Promise<void>;
  /** SIGHUP: reopen files (log rotation). */
  reopen?(): void;
}
