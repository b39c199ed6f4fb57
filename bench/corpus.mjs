// The benchmark corpus: EKS audit traffic from ../shared/corpus/gen-eks-audit.mjs, generated once per
// (count, seed, options) and cached under bench/out/ (or another directory).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

export const GENERATOR = '../shared/corpus/gen-eks-audit.mjs';
export const UPSTREAM_RULES = '../shared/conformance/k8saudit/rules/k8s_audit_rules.yaml';

/** Path of a JSON-lines corpus of `count` events, generated on first use. */
export function corpusFile({ count, seed = 1, attackRate = 0.001, truncateAt = 10000, dir = 'bench/out' }) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `corpus-${count}-s${seed}-a${attackRate}-t${truncateAt}.jsonl`);
  if (!existsSync(file)) {
    // written aside and renamed: an interrupted generation never leaves a short corpus to be reused
    execFileSync(process.execPath, [GENERATOR, '--count', String(count), '--seed', String(seed), '--attack-rate', String(attackRate),
      '--truncate-at', String(truncateAt), '--out', `${file}.part`], { stdio: 'inherit' });
    renameSync(`${file}.part`, file);
  }
  return file;
}

/** The corpus as raw lines (Buffers, no trailing newline). */
export function corpusLines(file) {
  const buf = readFileSync(file);
  const lines = [];
  let start = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, start)) {
    if (i > start) lines.push(buf.subarray(start, i));
    start = i + 1;
  }
  if (start < buf.length) lines.push(buf.subarray(start));
  return lines;
}

/** Batches of up to `size` payloads: one buffer and count + 1 offsets, as the engine takes them. */
export function toBatches(lines, size) {
  const batches = [];
  for (let i = 0; i < lines.length; i += size) {
    const part = lines.slice(i, i + size);
    const data = Buffer.concat(part);
    const offsets = new Uint32Array(part.length + 1);
    for (let k = 0, at = 0; k < part.length; k++) { at += part[k].length; offsets[k + 1] = at; }
    batches.push({ data, offsets, count: part.length });
  }
  return batches;
}
