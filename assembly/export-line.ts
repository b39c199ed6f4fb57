// A line of a CloudWatch Logs export to S3 (`aws logs create-export-task`) is the log event's timestamp, a
// space and the message: `2026-11-01T12:00:00.004Z {"kind":"Event",...}`. Every reader of payloads (the
// batch evaluation, `kawa extract`) reads the message; such a line is not JSON as it stands, so reading past
// the prefix changes no payload that would parse.
import { beginEvent } from './extract';
import { parseTimestamp } from './timestamp';

/**
 * The length of the export prefix at [ptr, ptr+len), when an object or array follows a timestamp that
 * parses (timestampNs() is then that time); 0 when there is none.
 */
export function exportPrefixLength(ptr: usize, len: i32): i32 {
  if (len < 22 || <u32>(<i32>load<u8>(ptr) - 0x30) >= 10) return 0;
  // a timestamp is 20 to 35 characters (nanoseconds and an offset at most)
  const last = min(len - 1, 36);
  let space = 0;
  for (let i = 19; i < last; i++) {
    if (load<u8>(ptr + <usize>i) == 0x20) {
      space = i;
      break;
    }
  }
  if (space == 0) return 0;
  const next = load<u8>(ptr + <usize>space + 1);
  if ((next != 0x7b && next != 0x5b) || !parseTimestamp(ptr, space)) return 0;
  return space + 1;
}

/** beginEvent on one payload as a reader got it: a line of an export is its message. */
export function beginLine(ptr: usize, len: i32): i32 {
  const skip = exportPrefixLength(ptr, len);
  return beginEvent(ptr + <usize>skip, len - skip);
}
