// Shared shapes of the CloudWatch Logs emulator: operation names and the stored event.

/** The AWS operations the emulator answers (X-Amz-Target `Logs_20140328.<name>`). */
export const OPERATIONS = [
  'CreateLogGroup', 'CreateLogStream', 'DeleteLogGroup', 'PutLogEvents',
  'DescribeLogGroups', 'DescribeLogStreams', 'FilterLogEvents', 'GetLogEvents',
  'PutSubscriptionFilter', 'DescribeSubscriptionFilters', 'DeleteSubscriptionFilter',
] as const;
export type OpName = (typeof OPERATIONS)[number];

export function isOpName(s: string): s is OpName {
  return (OPERATIONS as readonly string[]).includes(s);
}

/** One stored log event. Field order of the sort key: (timestamp, ingestionTime, seq). */
export interface StoredEvent {
  /** Global insertion counter: orders events of equal (timestamp, ingestionTime) by put request, then by index in it. */
  seq: number;
  stream: string;
  timestamp: number;
  ingestionTime: number;
  /** Server time from which reads may return the event (ingestionTime + visibility delay). */
  visibleAt: number;
  message: string;
  eventId: string;
  /** UTF-8 bytes of the message + 26, the unit of every CloudWatch size limit. */
  bytes: number;
  truncated: boolean;
  /** How many times a read returned this event (re-read factor in the stats). */
  served: number;
  /** FilterLogEvents JSON fragment, built on first serve so a page is a join of ready strings. */
  json?: string;
}

/** Who calls, and where: the namespace of its data is derived from these (store.ts namespaceKey). */
export interface Caller {
  accessKeyId: string;
  region: string;
  /** The account the key belongs to (config `accounts`, the role of session credentials, else `accountId`). */
  account: string;
  /** The principal, as AWS names it in errors and GetCallerIdentity. */
  arn: string;
}
