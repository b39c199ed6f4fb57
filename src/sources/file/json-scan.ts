// Follows JSON's grammar over raw bytes, one line at a time, without building anything: where a value
// ends, or the first byte that cannot continue it. The framer uses it to find where a document spanning
// several lines ends, and to notice at once when it is broken (a cut line, a bracket missing) instead of
// reading every later line into it.
//
// The grammar is JSON's structure: objects of "key": value members, arrays, strings and commas. Scalars
// other than strings are read as words (any run of bytes that are not blank, a quote or punctuation): the
// engine checks them, the framer only needs to know where they end. A line break ends a word and cannot be
// inside a string (a JSON string has no raw line break, and no pretty-printer writes one), so a line that
// ends inside a string is broken there.

const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN_OBJ = 0x7b, CLOSE_OBJ = 0x7d, OPEN_ARR = 0x5b, CLOSE_ARR = 0x5d, COMMA = 0x2c, COLON = 0x3a;

/** scan(): the line ended with the value still open. */
export const OPEN = -1;
/** scan(): the bytes cannot continue the value; brokenAt says where. */
export const BROKEN = -2;

// what the next non-blank byte may be
/** a value (after ':' or an array's ',', or the value the scan starts with) */
const VALUE = 0;
/** a value or ']' (after '[') */
const FIRST_VALUE = 1;
/** a key (after an object's ',') */
const KEY = 2;
/** a key or '}' (after '{') */
const FIRST_KEY = 3;
/** ':' after a key */
const COLON_NEXT = 4;
/** ',' or the closing bracket, after a value */
const AFTER = 5;

const OBJECT = 1, ARRAY = 2;

const isBlank = (b: number) => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
const isWordByte = (b: number) =>
  !isBlank(b) && b !== QUOTE && b !== COMMA && b !== COLON && b !== OPEN_OBJ && b !== CLOSE_OBJ && b !== OPEN_ARR && b !== CLOSE_ARR;

export class JsonScanner {
  /** The open containers, OBJECT or ARRAY, innermost last. */
  private stack = new Uint8Array(64);
  private depth = 0;
  private state = VALUE;
  private inString = false;
  private escaped = false;
  private inWord = false;
  /** After BROKEN: the index of the byte that broke the value (the line's length: it ended inside a string). */
  brokenAt = -1;

  /** Expects one new value. */
  reset(): void {
    this.depth = 0;
    this.state = VALUE;
    this.inString = false;
    this.escaped = false;
    this.inWord = false;
    this.brokenAt = -1;
  }

  /**
   * Scans one line from `from` to its end, continuing the value the earlier lines began. Returns the index
   * just past the value once it ends (what follows on the line is not scanned), OPEN when the line ended
   * with the value open, or BROKEN.
   */
  scan(line: Uint8Array, from: number): number {
    for (let i = from; i < line.length; i++) {
      const b = line[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) {
          this.inString = false;
          // a string value at depth 0 is the whole value
          if (this.depth === 0 && this.state === AFTER) return i + 1;
        }
        continue;
      }
      if (this.inWord) {
        if (isWordByte(b)) continue;
        this.inWord = false;
        if (this.depth === 0) return i;
      }
      if (isBlank(b)) continue;
      const state = this.state;
      if (state === AFTER) {
        const container = this.stack[this.depth - 1];
        if (b === COMMA) this.state = container === OBJECT ? KEY : VALUE;
        else if (b !== (container === OBJECT ? CLOSE_OBJ : CLOSE_ARR)) return this.broken(i);
        else if (this.close()) return i + 1;
      } else if (state === COLON_NEXT) {
        if (b !== COLON) return this.broken(i);
        this.state = VALUE;
      } else if ((state === FIRST_KEY && b === CLOSE_OBJ) || (state === FIRST_VALUE && b === CLOSE_ARR)) {
        if (this.close()) return i + 1;
      } else if (state === KEY || state === FIRST_KEY) {
        if (b !== QUOTE) return this.broken(i);
        this.inString = true;
        this.state = COLON_NEXT;
      } else if (b === OPEN_OBJ) this.push(OBJECT, FIRST_KEY);
      else if (b === OPEN_ARR) this.push(ARRAY, FIRST_VALUE);
      else if (b === QUOTE || isWordByte(b)) {
        // a value: a string, or a word (a number, true, false, null, or something the engine will refuse)
        if (b === QUOTE) this.inString = true;
        else this.inWord = true;
        this.state = AFTER;
      } else return this.broken(i);
    }
    // the line ends here
    if (this.inString) return this.broken(line.length);
    if (this.inWord) {
      this.inWord = false;
      if (this.depth === 0) return line.length;
    }
    return OPEN;
  }

  private push(container: number, next: number): void {
    if (this.depth === this.stack.length) {
      const grown = new Uint8Array(this.stack.length * 2);
      grown.set(this.stack);
      this.stack = grown;
    }
    this.stack[this.depth++] = container;
    this.state = next;
  }

  /** Closes the innermost container; true when that ends the value. */
  private close(): boolean {
    this.depth--;
    this.state = AFTER;
    return this.depth === 0;
  }

  private broken(at: number): number {
    this.brokenAt = at;
    return BROKEN;
  }
}
