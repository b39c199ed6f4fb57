// Lists of the rules files: one-level expansion of list names inside lists, and Falco's textual substitution
// of list names inside conditions (rules-language.md 4.6), quirks included: it ignores quoting, quotes only
// items with a space, and an empty list swallows one neighbouring comma.
import type { ListInfo } from './collector.js';
import { quoteItem } from './exceptions.js';
import { MAX_CONDITION_CHARS, MAX_LIST_ITEMS } from './limits.js';

export interface CompiledList { name: string; items: string[]; used: boolean }

/** A list or a condition would grow past a limit (limits.ts); the caller knows the place. */
export class ListLimitError extends Error {}

/**
 * Each item naming a list visible to this one (index < visibility) is replaced by that list's raw items.
 * The expanded item count is computed before anything is copied: one list cannot multiply into millions.
 */
export function expandLists(lists: Map<string, ListInfo>): Map<string, CompiledList> {
  const out = new Map<string, CompiledList>();
  const used = new Set<string>();
  for (const list of lists.values()) {
    let count = 0;
    for (const item of list.items) {
      const ref = lists.get(item);
      count += ref && ref.index < list.visibility ? ref.items.length : 1;
    }
    if (count > MAX_LIST_ITEMS) throw new ListExpansionError(list, count);
    const items: string[] = [];
    for (const item of list.items) {
      const ref = lists.get(item);
      if (ref && ref.index < list.visibility) {
        used.add(ref.name);
        for (const x of ref.items) items.push(x);
      } else {
        items.push(item);
      }
    }
    out.set(list.name, { name: list.name, items, used: false });
  }
  for (const name of used) out.get(name)!.used = true;
  return out;
}

/** A list whose expansion is over MAX_LIST_ITEMS. */
export class ListExpansionError extends ListLimitError {
  constructor(readonly list: ListInfo, count: number) {
    super(`list '${list.name}' expands to ${count} items, more than the maximum ${MAX_LIST_ITEMS}`);
  }
}

const DELIMITERS = ' \t\n\r(),=';
const BLANKS = ' \t\n\r';

/**
 * Substitutes every list name in `condition`, marking the lists it used. Each substitution is one linear
 * pass, and stops with ListLimitError as soon as the text grows past MAX_CONDITION_CHARS: lists that name
 * each other cannot grow a condition exponentially.
 */
export function substituteLists(condition: string, lists: Map<string, CompiledList>): string {
  // a condition written longer than the limit may stay as long; substitution may not grow it further
  const limit = Math.max(MAX_CONDITION_CHARS, condition.length);
  let c = condition;
  for (const list of lists.values()) {
    if (c.includes(list.name)) c = substituteOne(c, list, limit);
  }
  return c;
}

/**
 * Falco's substitution of one list, in one pass. `out` holds the text before the scan position: final but
 * for the blanks and the one comma a substitution takes back from its end; `from` is where `c` is read on.
 */
function substituteOne(c: string, list: CompiledList, limit: number): string {
  const name = list.name;
  const sub = list.items.map(quoteItem).join(', ');
  const out = new TailText();
  let from = 0;
  let pos = c.indexOf(name);
  while (pos >= 0) {
    let end = pos + name.length;
    const before = pos === from ? out.last() : c[pos - 1];
    if ((before === undefined || DELIMITERS.includes(before)) && (end === c.length || DELIMITERS.includes(c[end]!))) {
      out.push(c.slice(from, pos));
      out.trimBlanks();
      while (end < c.length && BLANKS.includes(c[end]!)) end++;
      if (sub === '') {
        if (out.last() === ',') out.drop();
        else if (end < c.length && c[end] === ',') end++;
      }
      const atStart = out.length === 0;
      if (!atStart) out.push(' ');
      out.push(sub);
      out.push(' ');
      if (out.length + (c.length - end) > limit) {
        throw new ListLimitError(`the condition grows past ${limit} characters when list '${name}' is substituted`);
      }
      from = end;
      list.used = true;
      // Falco resumes right after a substitution, or one character later when it was at the very start
      pos = c.indexOf(name, atStart ? end + 1 : end);
      continue;
    }
    pos = c.indexOf(name, pos + 1);
  }
  out.push(c.slice(from));
  return out.text();
}

/** Text built by appending, whose last characters can be taken back one at a time. */
class TailText {
  private parts: string[] = [];
  length = 0;
  push(s: string): void {
    if (s) { this.parts.push(s); this.length += s.length; }
  }
  last(): string | undefined {
    const p = this.parts[this.parts.length - 1];
    return p === undefined ? undefined : p[p.length - 1];
  }
  /** Takes back the last character. */
  drop(): void {
    const p = this.parts.pop()!;
    this.length--;
    if (p.length > 1) this.parts.push(p.slice(0, -1));
  }
  /** Takes back every blank at the end (one copy per part at most, so long runs of blanks stay linear). */
  trimBlanks(): void {
    while (this.parts.length) {
      const p = this.parts[this.parts.length - 1]!;
      let n = p.length;
      while (n > 0 && BLANKS.includes(p[n - 1]!)) n--;
      this.length -= p.length - n;
      if (n > 0) { if (n < p.length) this.parts[this.parts.length - 1] = p.slice(0, n); return; }
      this.parts.pop();
    }
  }
  text(): string {
    return this.parts.join('');
  }
}
