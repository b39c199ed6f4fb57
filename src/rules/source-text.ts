// A rules file's text and how to turn an offset in it into a user-facing place: line, column and a snippet
// (the line with a caret under the column). Every load problem is located through this.
import { LineCounter } from 'yaml';
import type { Location } from '../core/errors.js';

/** An enclosing item, outermost first: what `kawa validate` prints as "in rule 'x'". */
export interface ItemRef { type: string; name: string }

export class SourceText {
  readonly lineCounter = new LineCounter();
  constructor(readonly file: string, readonly text: string) {}

  /** The location of `offset` (0-based UTF-16 index into the file text). */
  at(offset: number, items: ItemRef[] = []): Location {
    const { line, col } = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.text.length)));
    const loc: Location = { file: this.file, line, column: col, snippet: this.snippet(offset) };
    if (items.length) loc.items = items.map((i) => ({ ...i }));
    return loc;
  }

  private snippet(offset: number): string {
    const start = this.text.lastIndexOf('\n', offset - 1) + 1;
    let end = this.text.indexOf('\n', offset);
    if (end < 0) end = this.text.length;
    // long lines (a 10 MB condition on one line) are cut around the offset
    const from = Math.max(start, offset - 80);
    const to = Math.min(end, offset + 80);
    const line = (from > start ? '...' : '') + this.text.slice(from, to).replace(/\r$/, '') + (to < end ? '...' : '');
    const caret = ' '.repeat(offset - from + (from > start ? 3 : 0)) + '^';
    return `${line}\n${caret}`;
  }
}
