// eventId: a 56-digit decimal string, unique per event and stable across queries. Built like the old
// documented layout, (timestamp << 144) | counter, so ids look real; clients must treat them as opaque.

export function makeEventId(timestamp: number, counter: number): string {
  return ((BigInt(Math.max(0, timestamp)) << 144n) | BigInt(counter)).toString().padStart(56, '0');
}

export const EVENT_ID_PATTERN = /^[0-9]{1,56}$/;
