// What the hostile-input tests share: real events from the sample set, reading inputs through the file
// source, and evaluating payloads with the engine.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Engine } from '../../src/engine/engine.js';
import { loadRules } from '../../src/rules/load.js';
import { FileSource, type SourceOptions } from '../../src/sources/file/source.js';

/** The 2,000 sample EKS events, one JSON text each. */
export const SAMPLES: string[] = gunzipSync(readFileSync(join(process.cwd(), 'samples/eks-audit.jsonl.gz')))
  .toString('utf8').split('\n').filter((l) => l.trim());

/** A sample event of exactly `length` bytes. */
export function sampleOfLength(length: number): string {
  const e = SAMPLES.find((s) => Buffer.byteLength(s) === length);
  if (!e) throw new Error(`no sample event of ${length} bytes`);
  return e;
}

export const auditId = (e: string) => (JSON.parse(e) as { auditID: string }).auditID;

const dir = mkdtempSync(join(tmpdir(), 'kawa-hostile-'));
let n = 0;
export function file(content: string | Uint8Array, name = `in${n++}.json`): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

export interface Read {
  payloads: { text: string; line: number; file: string }[];
  tooLarge: { file: string; line: number; length: number }[];
  damaged: { file: string; line: number; code: string; message: string }[];
}

/** Reads inputs through the file source: every payload with its place, and what it reported. */
export async function read(inputs: string[], opts: SourceOptions = {}): Promise<Read> {
  const r: Read = { payloads: [], tooLarge: [], damaged: [] };
  const src = new FileSource(inputs, {
    ...opts,
    onTooLarge: (file, line, length) => r.tooLarge.push({ file, line, length }),
    onDamaged: (file, line, code, message) => r.damaged.push({ file, line, code, message }),
  });
  const dec = new TextDecoder();
  for await (const b of src) {
    if (!('lines' in b)) throw new Error('a byte-range batch: not expected here');
    for (let i = 0; i < b.count; i++) {
      r.payloads.push({ text: dec.decode(b.data.subarray(b.offsets[i], b.offsets[i + 1])), line: (b.lines as Uint32Array)[i], file: b.file as string });
    }
  }
  return r;
}

/** An engine with one rule that matches every audit event (with an auditID). */
export function matchAll(): Engine {
  const rules = loadRules([{ name: 'all.yaml', content: `
- rule: any
  desc: every audit event
  condition: ka.auditid exists
  output: "%ka.auditid"
  priority: NOTICE
  source: k8s_audit
` }]);
  if (!rules.ok) throw new Error(JSON.stringify(rules.errors));
  return Engine.create({ rules });
}

/** Evaluates payloads: the auditIDs of the events that matched, and the payloads rejected. */
export function evaluate(engine: Engine, payloads: string[]): { matched: string[]; rejected: number[] } {
  const parts = payloads.map((p) => Buffer.from(p));
  const offsets = new Uint32Array(parts.length + 1);
  parts.forEach((p, i) => { offsets[i + 1] = offsets[i] + p.length; });
  const r = engine.evaluate(Buffer.concat(parts), offsets, parts.length);
  return {
    matched: r.matches.map((m) => auditIdOf(payloads[m.payload]!, m.item)),
    rejected: r.rejections.map((x) => x.payload),
  };
}

function auditIdOf(payload: string, item: number): string {
  const doc = JSON.parse(payload) as { auditID?: string; items?: { auditID: string }[] } | { auditID: string }[];
  if (Array.isArray(doc)) return doc[item]!.auditID;
  return doc.items ? doc.items[item]!.auditID : doc.auditID!;
}
