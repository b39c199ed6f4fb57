// EKS-style truncation: an over-long message arrives cut, ending in "[Truncated...]" (semantics.md §7).
import { TRUNCATION_MARK } from '../core/truncation.js';

/** Returns the message cut to at most maxBytes UTF-8 bytes including the suffix, or unchanged if it fits. */
export function truncateMessage(message: string, maxBytes: number): { message: string; truncated: boolean } {
  const buf = Buffer.from(message, 'utf8');
  if (buf.length <= maxBytes) return { message, truncated: false };
  let cut = Math.max(0, maxBytes - TRUNCATION_MARK.length);
  // never split a UTF-8 sequence: back off over continuation bytes
  while (cut > 0 && (buf[cut]! & 0xc0) === 0x80) cut--;
  return { message: buf.subarray(0, cut).toString('utf8') + TRUNCATION_MARK, truncated: true };
}
