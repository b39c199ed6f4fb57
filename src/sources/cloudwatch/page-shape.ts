// What a FilterLogEvents answer must look like before the source trusts it (wire.md §2.1). The SDK checks
// nothing: whatever JSON the endpoint sends comes back typed as the API's shape, so a broken proxy or a
// misbehaving endpoint could hand the reader `events: "x"` or a message that is a number, and the reader
// would fail on it. An answer that is wrong as a whole is a failed request, retried like a 5xx (the same
// request again after a backoff, the operator told while it lasts); one wrong event in an otherwise good page
// is skipped and counted, because asking again would bring the same event back.
import type { FilteredLogEvent, FilterLogEventsCommandOutput } from '@aws-sdk/client-cloudwatch-logs';
import { MalformedAnswerError } from '../malformed-answer.js';

/** An event of a checked page: the fields the reader needs are there. */
export type PageEvent = FilteredLogEvent & { message: string; timestamp: number };

/** An event of a page that was skipped, and why. */
export interface MalformedEvent {
  index: number;
  reason: string;
}

export interface CheckedPage {
  /** The page's events that have the API's shape, in their order. */
  events: PageEvent[];
  nextToken?: string;
  /** Events skipped (none on any real CloudWatch answer). */
  malformed: MalformedEvent[];
}

/**
 * The page an answer holds, or MalformedAnswerError. `sentToken` is the nextToken of the request: an answer
 * that gives it back would have the reader ask for the same page for ever.
 */
export function checkPage(out: FilterLogEventsCommandOutput, sentToken: string | undefined): CheckedPage {
  const answer = out as unknown as Record<string, unknown>;
  const events = answer.events ?? [];
  if (!Array.isArray(events)) throw new MalformedAnswerError(`events is ${kind(events)}, not a list`);
  const token = answer.nextToken ?? undefined;
  if (token !== undefined && typeof token !== 'string') throw new MalformedAnswerError(`nextToken is ${kind(token)}, not a string`);
  if (token && token === sentToken) throw new MalformedAnswerError('the nextToken sent came back: the next page would be this one again');
  const good: PageEvent[] = [];
  const malformed: MalformedEvent[] = [];
  events.forEach((ev: unknown, index) => {
    const reason = eventProblem(ev);
    if (reason) malformed.push({ index, reason });
    else good.push(ev as PageEvent);
  });
  return { events: good, ...(token ? { nextToken: token } : {}), malformed };
}

/** Why a page's event cannot be read, or undefined when it has the API's shape. */
function eventProblem(ev: unknown): string | undefined {
  if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) return `the event is ${kind(ev)}, not an object`;
  const e = ev as Record<string, unknown>;
  if (typeof e.message !== 'string') return `message is ${kind(e.message)}, not a string`;
  // the reader keys its positions and its repeat check on the time: a millisecond count it can do sums with
  if (!isEpochMs(e.timestamp)) return `timestamp is ${kind(e.timestamp)}, not whole ms since 1970`;
  if (e.ingestionTime != null && !isEpochMs(e.ingestionTime)) return `ingestionTime is ${kind(e.ingestionTime)}, not whole ms since 1970`;
  if (e.eventId != null && typeof e.eventId !== 'string') return `eventId is ${kind(e.eventId)}, not a string`;
  if (e.logStreamName != null && typeof e.logStreamName !== 'string') return `logStreamName is ${kind(e.logStreamName)}, not a string`;
  return undefined;
}

function isEpochMs(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** What a value is, for a reason: a number itself, anything else by its type (a string could be of any size). */
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number') return String(v);
  return `a ${typeof v === 'object' ? 'map' : typeof v}`;
}
