// Lists of the rules files: one-level expansion of list names inside lists, and Falco's textual substitution
// of list names inside conditions (rules-language.md 4.6), quirks included: it ignores quoting, quotes only
// items with a space, and an empty list swallows one neighbouring comma.
import type { ListInfo } from './collector.js';
import { quoteItem } from './exceptions.js';

export interface CompiledList { name: string; items: string[]; used: boolean }

/** Each item naming a list visible to this one (index < visibility) is replaced by that list's raw items. */
export function expandLists(lists: Map<string, ListInfo>): Map<string, CompiledList> {
  const out = new Map<string, CompiledList>();
  const used = new Set<string>();
  for (const list of lists.values()) {
    const items: string[] = [];
    for (const item of list.items) {
      const ref = lists.get(item);
      if (ref && ref.index < list.visibility) {
        used.add(ref.name);
        items.push(...ref.items);
      } else {
        items.push(item);
      }
    }
    out.set(list.name, { name: list.name, items, used: false });
  }
  for (const name of used) out.get(name)!.used = true;
  return out;
}

const DELIMITERS = ' \t\n\r(),=';
const BLANKS = ' \t\n\r';

/** Substitutes every list name in `condition`, marking the lists it used. */
export function substituteLists(condition: string, lists: Map<string, CompiledList>): string {
  let c = condition;
  for (const list of lists.values()) c = substituteOne(c, list);
  return c;
}

function substituteOne(condition: string, list: CompiledList): string {
  let c = condition;
  const name = list.name;
  let pos = c.indexOf(name);
  while (pos >= 0) {
    let end = pos + name.length;
    if ((pos === 0 || DELIMITERS.includes(c[pos - 1]!)) && (end === c.length || DELIMITERS.includes(c[end]!))) {
      while (pos > 0 && BLANKS.includes(c[pos - 1]!)) pos--;
      while (end < c.length && BLANKS.includes(c[end]!)) end++;
      const sub = list.items.map(quoteItem).join(', ');
      if (sub === '') {
        if (pos > 0 && c[pos - 1] === ',') pos--;
        else if (end < c.length && c[end] === ',') end++;
      }
      c = (pos > 0 ? `${c.slice(0, pos)} ` : '') + sub + ' ' + c.slice(end);
      pos += sub.length + 1;
      list.used = true;
    }
    pos = c.indexOf(name, pos + 1);
  }
  return c;
}
