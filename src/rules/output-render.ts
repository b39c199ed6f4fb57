// Filling an output format with a match's values, as Falco prints rule outputs (rules-language.md 5.1): a
// missing value is "<NA>", a width pads with spaces or cuts to exactly that many bytes.
import type { OutputPart } from './types.js';

const NA = '<NA>';
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** The parts with `tokens` (one per token part, in order; null = missing) filled in. */
export function renderParts(parts: readonly OutputPart[], tokens: readonly (string | null)[], first = 0): string {
  let out = '';
  let t = first;
  for (const part of parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = tokens[t++] ?? NA;
    out += part.width === undefined ? value : fitWidth(value, part.width);
  }
  return out;
}

/** std::string::resize: cut to `width` bytes (an incomplete UTF-8 tail becomes U+FFFD) or pad with spaces. */
function fitWidth(value: string, width: number): string {
  const bytes = utf8.encode(value);
  if (bytes.length >= width) return fromUtf8.decode(bytes.subarray(0, width));
  return value + ' '.repeat(width - bytes.length);
}
