// Hostile rules files from issue 15 item 6, each with the coded error it must be refused with. Shared by the
// `kawa validate` test and the hot-reload test of a running service.
import { closeSync, ftruncateSync, openSync, writeFileSync } from 'node:fs';

export interface HostileRules {
  name: string;
  /** The file's text, or its size for a file of that many zero bytes (written sparse, never read). */
  content: string | number;
  code: string;
}

const rule = (condition: string, output = '%ka.verb') =>
  `- rule: r\n  desc: d\n  condition: ${condition}\n  output: "${output}"\n  priority: WARNING\n  source: k8s_audit\n`;
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

export const HOSTILE_RULES: HostileRules[] = [
  {
    name: '1 KB of macros that double 24 times',
    content: '- macro: m0\n  condition: ka.verb=get\n'
      + range(1, 25).map((i) => `- macro: m${i}\n  condition: (m${i - 1} or m${i - 1})\n`).join('') + rule('m24'),
    code: 'LOAD_ERR_EXPANSION_TOO_LARGE',
  },
  {
    // each rule alone is under the per-condition limit (65,535 nodes), the 20 together over the load's
    name: '20 rules of a 65,535-node macro: together over the load budget',
    content: '- macro: m0\n  condition: ka.verb=get\n'
      + range(1, 16).map((i) => `- macro: m${i}\n  condition: (m${i - 1} or m${i - 1})\n`).join('')
      + range(0, 20).map((i) => rule('m15').replace('rule: r', `rule: r${i}`)).join(''),
    code: 'LOAD_ERR_EXPANSION_TOO_LARGE',
  },
  {
    // defined last-first, so each list's items are names the substitution meets later: 8^10 items
    name: 'ten levels of lists that name each other',
    content: range(1, 11).reverse().map((i) => `- list: l${i}\n  items: [${Array(8).fill(`l${i - 1}`).join(', ')}]\n`).join('')
      + '- list: l0\n  items: [get]\n' + rule('ka.verb in (l10)'),
    code: 'LOAD_ERR_EXPANSION_TOO_LARGE',
  },
  {
    name: 'a scalar YAML alias repeated 10,000 times',
    content: `- list: x\n  items: [&a "${'a'.repeat(1000)}", ${Array(10_000).fill('*a').join(', ')}]\n` + rule('ka.verb in (x)'),
    code: 'LOAD_ERR_YAML_ALIASES',
  },
  {
    name: 'a chain of 10,000 macros, each using the one before',
    content: '- macro: m0\n  condition: ka.verb=get\n'
      + range(1, 10_001).map((i) => `- macro: m${i}\n  condition: m${i - 1} and ka.verb=get\n`).join('') + rule('m10000'),
    code: 'LOAD_ERR_NESTING_TOO_DEEP',
  },
  {
    name: '2,000 YAML aliases',
    content: range(0, 2000).map((i) => `- list: l${i}\n  items: [&a${i} x${i}, *a${i}]\n`).join('') + rule('ka.verb=get'),
    code: 'LOAD_ERR_YAML_ALIASES',
  },
  {
    name: 'nested aliases that double 40 times (billion laughs)',
    content: '- list: x0\n  items: &a0 [lol, lol]\n'
      + range(1, 40).map((i) => `- list: x${i}\n  items: &a${i} [*a${i - 1}, *a${i - 1}]\n`).join('')
      + rule('ka.verb=get') + '  exceptions:\n    - name: e\n      fields: [ka.verb]\n      values: [*a39]\n',
    code: 'LOAD_ERR_YAML_ALIASES',
  },
  { name: 'a 100 MB rules file', content: 100 * 1024 * 1024, code: 'LOAD_ERR_FILE_TOO_LARGE' },
  { name: 'an output width of 600,000,000', content: rule('ka.verb=get', '%600000000ka.verb'), code: 'LOAD_ERR_OUTPUT_WIDTH' },
];

/** Writes a case's file (a large one sparse, in no time). */
export function writeCase(path: string, c: HostileRules): void {
  const fd = openSync(path, 'w');
  try {
    if (typeof c.content === 'number') ftruncateSync(fd, c.content);
    else writeFileSync(fd, c.content);
  } finally {
    closeSync(fd);
  }
}
