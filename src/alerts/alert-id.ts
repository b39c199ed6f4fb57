// The deterministic id of an alert: the same rule firing on the same event gives the same id in every process
// and on every re-read, so any sink (or the alert table) recognizes a repeat. An event is known by the id its
// source gave it (the CloudWatch log event id, which the Kinesis subscription payload carries too, so both
// sources give the same alert the same id).
import { createHash } from 'node:crypto';

/** 32 hex digits of SHA-256 over the rule name and the event id; undefined when the event has no id. */
export function alertId(ruleName: string, eventId: string | undefined): string | undefined {
  if (!eventId) return undefined;
  return createHash('sha256').update(ruleName).update('\0').update(eventId).digest('hex').slice(0, 32);
}
