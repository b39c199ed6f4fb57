// The lines of a chunk of alerts as one buffer, each line in UTF-8 followed by '\n', for one write.
// Concatenating them into one string first cost two to four times more (a chunk of 4,096 JSON alerts is a
// 5 MB string, built and then flattened piece by piece): with two workers, writing alerts to stdout that
// way was 11% of the main thread's time over 1,000,000 events (issue 17).
import type { FormattedAlert } from './types.js';

export function lineBytes(chunk: FormattedAlert[]): Buffer {
  let size = chunk.length;
  for (const a of chunk) size += a.lineUtf8?.length ?? Buffer.byteLength(a.line);
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  for (const a of chunk) {
    // a line a worker rendered is bytes already (Evaluation.lines)
    if (a.lineUtf8) {
      bytes.set(a.lineUtf8, at);
      at += a.lineUtf8.length;
    } else {
      at += bytes.write(a.line, at);
    }
    bytes[at++] = 0x0a;
  }
  return bytes;
}
