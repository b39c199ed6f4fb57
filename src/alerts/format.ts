// Falco's alert rendering (rules-language.md 5.1-5.3), from what the engine reports for a match.
//
//   message   := the rule's output parts: text as written, each token's value ("<NA>" when missing), a
//                token width pads with spaces or cuts the value to exactly that many bytes (C++ resize)
//   text line := "<time>: <Priority> <message>" passed through a JSON string encoder, quotes stripped
//   time      := local "HH:MM:SS.nnnnnnnnn" (%evt.time), or "YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000" in UTC with
//                time_format_iso_8601 (%evt.time.iso8601)
//   JSON      := {"hostname","message"?,"output"?,"output_fields"?,"priority","rule","source","tags"?,"time"}
//                with keys sorted at every level; output_fields holds the engine's field values plus the
//                time field as an integer of nanoseconds
//
// kawa addition, for events CloudWatch cut at its size limit and kawa evaluated from the part it had: the
// text line ends with " [truncated event]" (so a reader of the line knows fields after the cut were not
// seen, and "<NA>" may mean "cut off"), and output_fields gets "kawa.truncated": "true".
//
// kawa addition, for events with a source id (CloudWatch and Kinesis: the log event id): output_fields gets
// "kawa.event_id" and the deterministic "kawa.alert_id" (rule + event id), so a receiver can drop the
// repeats a crash re-delivers. They go into output_fields because falcosidekick passes that map on to
// every one of its outputs, while it ignores top-level keys it does not know.
import { hostname } from 'node:os';
import { alertId } from './alert-id.js';
import { renderParts } from '../rules/output-render.js';
import type { LoadedRule } from '../rules/types.js';
import type { EventContext } from '../engine/context.js';

/** What the formatter needs from an engine match. */
export interface AlertMatch {
  /** The rule that matched. */
  rule: LoadedRule;
  /** Event time (stageTimestamp) in Unix nanoseconds. */
  timeNs: bigint;
  /** Rendered value of each token of rule.output.parts, in order; null = missing. */
  tokens: (string | null)[];
  /** JSON output_fields: one entry per plain field of the output. */
  fields: Record<string, string | string[] | null>;
  /** Salvaged from a CloudWatch-truncated message: the line says so. */
  truncated: boolean;
}

/** How alerts are written: Falco's output keys of falco.yaml. */
export interface FormatOptions {
  /** time_format_iso_8601: ISO 8601 times in text lines. */
  timeFormatIso8601?: boolean;
  /** json_include_output_property (default true). */
  jsonIncludeOutputProperty?: boolean;
  /** json_include_tags_property (default true). */
  jsonIncludeTagsProperty?: boolean;
  /** json_include_output_fields_property (default true). */
  jsonIncludeOutputFieldsProperty?: boolean;
  /** json_include_message_property (default false). */
  jsonIncludeMessageProperty?: boolean;
  /** Default: FALCO_HOSTNAME or the machine's host name, as Falco does. */
  hostname?: string;
  /** Time zone for %evt.time; default: the process's local zone. 'UTC' for reproducible output. */
  timeZone?: 'local' | 'UTC';
}

export const TRUNCATED_SUFFIX = ' [truncated event]';
export const TRUNCATED_FIELD = 'kawa.truncated';
export const EVENT_ID_FIELD = 'kawa.event_id';
const CONTEXT_KEYS = ['cluster', 'account', 'region'] as const;
export const ALERT_ID_FIELD = 'kawa.alert_id';


/** The rule's output with the match's values filled in. */
export function renderMessage(rule: LoadedRule, tokens: (string | null)[]): string {
  return renderParts(rule.output.parts, tokens);
}

const pad = (n: number | bigint, w: number) => String(n).padStart(w, '0');
const NS_PER_S = 1_000_000_000n;

/**
 * An event time's strings: %evt.time (local or UTC "HH:MM:SS.nnnnnnnnn"), %evt.time.iso8601
 * ("YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000") and the JSON alert's "time" ("...Z"). The whole second's part is
 * kept from one call to the next: alerts come in event-time order, many within a second of the one before,
 * and a Date per alert was a sixth of formatting a JSON alert (bench/micro-format.mjs).
 */
export class EventTimes {
  private second: bigint | undefined;
  /** The second as YYYY-MM-DDTHH:MM:SS in UTC, and as HH:MM:SS in the zone. */
  private date = '';
  private clock = '';
  /** The nanoseconds within the second of the time given last, 9 digits. */
  private nanos = '';

  constructor(private readonly zone: 'local' | 'UTC' = 'local') {}

  /** Makes `ns` (Unix nanoseconds) the time the other methods format. */
  set(ns: bigint): this {
    const sec = ns >= 0n ? ns / NS_PER_S : -((-ns + NS_PER_S - 1n) / NS_PER_S);
    this.nanos = pad(ns - sec * NS_PER_S, 9);
    if (sec !== this.second) {
      this.second = sec;
      const d = new Date(Number(sec) * 1000);
      this.date = d.toISOString().slice(0, 19);
      const [h, m, x] = this.zone === 'UTC' ? [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()] : [d.getHours(), d.getMinutes(), d.getSeconds()];
      this.clock = `${pad(h, 2)}:${pad(m, 2)}:${pad(x, 2)}`;
    }
    return this;
  }

  /** %evt.time: time of day with nanoseconds. */
  evtTime(): string {
    return `${this.clock}.${this.nanos}`;
  }

  /** %evt.time.iso8601: `2016-08-04T16:17:57.881781397+0000`. */
  iso8601(): string {
    return `${this.date}.${this.nanos}+0000`;
  }

  /** The JSON alert's "time": `2018-10-25T14:09:12.123456789Z`. */
  json(): string {
    return `${this.date}.${this.nanos}Z`;
  }
}

/** JSON string encoding without the quotes (5.2): control characters, '"' and '\' escaped. */
export function jsonEscapeLine(line: string): string {
  return JSON.stringify(line).slice(1, -1);
}

/** What a rule's JSON alerts share, made once per rule: the keys after output_fields (priority, rule,
 *  source, tags), and output_fields' keys in their sorted order with the time field among them. Building
 *  these per alert (a Set and two sorts) was a third of formatting a JSON alert (issue 17). */
interface RulePlan {
  tail: string;
  /** The match's field keys the order was made for. */
  fieldKeys: string[];
  /** Each key quoted with its colon (and the comma before it), and the field it takes its value from
   *  (undefined: the event time). */
  fieldOrder: { quoted: string; field: string | undefined }[];
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sameKeys = (a: string[], b: string[]) => a.length === b.length && a.every((k, i) => k === b[i]);

/** The options with their defaults filled in (one place for both: this formatter and line-templates.ts). */
export function resolveFormatOptions(options: FormatOptions): Required<FormatOptions> {
  return {
    timeFormatIso8601: options.timeFormatIso8601 ?? false,
    jsonIncludeOutputProperty: options.jsonIncludeOutputProperty ?? true,
    jsonIncludeTagsProperty: options.jsonIncludeTagsProperty ?? true,
    jsonIncludeOutputFieldsProperty: options.jsonIncludeOutputFieldsProperty ?? true,
    jsonIncludeMessageProperty: options.jsonIncludeMessageProperty ?? false,
    hostname: options.hostname ?? process.env.FALCO_HOSTNAME ?? hostname(),
    timeZone: options.timeZone ?? 'local',
  };
}

/** The output_fields key that holds the event time as nanoseconds. */
export const timeFieldOf = (opts: Required<FormatOptions>): string => (opts.timeFormatIso8601 ? 'evt.time.iso8601' : 'evt.time');

/** A JSON alert's keys after output_fields, up to "time": priority, rule, source and the sorted tags. */
export function jsonTail(rule: LoadedRule, includeTags: boolean): string {
  const { priority, name, source, tags } = rule;
  let tail = `,"priority":${JSON.stringify(priority)},"rule":${JSON.stringify(name)},"source":${JSON.stringify(source)}`;
  if (includeTags) tail += `,"tags":${JSON.stringify([...new Set(tags)].sort())}`;
  return tail;
}

/** output_fields' keys in their order: the match's field keys and the time field (which holds the event time
 *  even when the rule's output names it), sorted by UTF-16 code unit. */
export function fieldKeyOrder(keys: string[], timeField: string): string[] {
  return [...(keys.includes(timeField) ? keys : [...keys, timeField])].sort(byCodeUnit);
}

/** Formats matches as Falco does: the text line of the stdout and file outputs and the JSON object of json_output. */
export class AlertFormatter {
  private readonly opts: Required<FormatOptions>;
  private readonly timeField: string;
  /** `{"hostname":...`: how every JSON alert starts. */
  private readonly head: string;
  private readonly plans = new WeakMap<LoadedRule, RulePlan>();
  private readonly times: EventTimes;

  constructor(options: FormatOptions = {}) {
    this.opts = resolveFormatOptions(options);
    this.timeField = timeFieldOf(this.opts);
    this.times = new EventTimes(this.opts.timeZone);
    this.head = `{"hostname":${JSON.stringify(this.opts.hostname)}`;
  }

  /** The unescaped text line: time, priority, message (and the truncation mark). The match's time must be
   *  set in this.times. */
  private line(m: AlertMatch, message: string): string {
    const time = this.opts.timeFormatIso8601 ? this.times.iso8601() : this.times.evtTime();
    return `${time}: ${m.rule.priority} ${message}${m.truncated ? TRUNCATED_SUFFIX : ''}`;
  }

  /** The text-mode alert line (without newline). */
  text(m: AlertMatch): string {
    this.times.set(m.timeNs);
    return jsonEscapeLine(this.line(m, renderMessage(m.rule, m.tokens)));
  }

  /**
   * The JSON alert (one line, without newline). `eventId`: the source's id of the event, when it has one;
   * `context`: the cluster it came from, when the source knows it (kawa.cluster, kawa.account, kawa.region
   * are then in output_fields, whatever the rule's output names).
   */
  json(m: AlertMatch, eventId?: string, context?: EventContext): string {
    const message = renderMessage(m.rule, m.tokens);
    const plan = this.plan(m);
    this.times.set(m.timeNs);
    let out = this.head;
    if (this.opts.jsonIncludeMessageProperty) out += `,"message":${JSON.stringify(message)}`;
    if (this.opts.jsonIncludeOutputProperty) out += `,"output":${JSON.stringify(this.line(m, message))}`;
    if (this.opts.jsonIncludeOutputFieldsProperty) out += `,"output_fields":${this.outputFields(m, plan, eventId, context)}`;
    return `${out}${plan.tail},"time":"${this.times.json()}"}`;
  }

  /** The rule's share of its JSON alerts, made at its first alert (a reload brings new rule objects). */
  private plan(m: AlertMatch): RulePlan {
    let plan = this.plans.get(m.rule);
    if (!plan) {
      plan = { tail: jsonTail(m.rule, this.opts.jsonIncludeTagsProperty), fieldKeys: [], fieldOrder: [] };
      this.plans.set(m.rule, plan);
    }
    return plan;
  }

  private outputFields(m: AlertMatch, plan: RulePlan, eventId: string | undefined, context: EventContext | undefined): string {
    const keys = Object.keys(m.fields);
    // the usual alert: the rule's own fields and the time, in an order sorted once per rule
    if (!eventId && !m.truncated && !CONTEXT_KEYS.some((k) => context?.[k])) {
      if (!sameKeys(keys, plan.fieldKeys)) {
        plan.fieldKeys = keys;
        plan.fieldOrder = fieldKeyOrder(keys, this.timeField).map((k, i) => ({ quoted: `${i ? ',' : ''}${JSON.stringify(k)}:`, field: k === this.timeField ? undefined : k }));
      }
      let out = '{';
      for (const { quoted, field } of plan.fieldOrder) out += quoted + (field === undefined ? m.timeNs.toString() : JSON.stringify(m.fields[field]));
      return `${out}}`;
    }
    const values = new Map<string, string>(keys.map((k) => [k, JSON.stringify(m.fields[k])]));
    for (const k of CONTEXT_KEYS) if (context?.[k]) values.set(`kawa.${k}`, JSON.stringify(context[k]));
    values.set(this.timeField, m.timeNs.toString());
    if (m.truncated) values.set(TRUNCATED_FIELD, '"true"');
    if (eventId) {
      values.set(EVENT_ID_FIELD, JSON.stringify(eventId));
      values.set(ALERT_ID_FIELD, JSON.stringify(alertId(m.rule.name, eventId)));
    }
    const entries = [...values].sort((a, b) => byCodeUnit(a[0], b[0]));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
  }
}
