// Differential test: the WebAssembly engine and the reference evaluator must report the same alerts (event,
// rule, rendered output, output_fields, time) and the same rejections over a generated EKS audit corpus and
// the upstream rules, with rule_matching all. Events CloudWatch truncated are counted, not compared (the
// reference has no salvage mode; see test/reference/evaluator.ts).
//
// KAWA_DIFF_COUNT / KAWA_DIFF_SEED change the corpus (default 20,000 events, seed 42).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadRulesFiles } from '../../src/rules/load.js';
import { FileSource } from '../../src/sources/file/source.js';
import { ReferenceEvaluator } from '../reference/evaluator.js';
import { describeShared, shared } from '../shared-data.js';
import { compareBatch, emptyComparison } from './compare.js';

const COUNT = Number(process.env.KAWA_DIFF_COUNT ?? 20000);
const SEED = Number(process.env.KAWA_DIFF_SEED ?? 42);
const RULES = shared('conformance/k8saudit/rules/k8s_audit_rules.yaml');

describeShared('engine vs reference evaluator', () => {
  it(`agrees on ${COUNT} generated EKS events (seed ${SEED}) with the upstream rules`, async () => {
    const corpus = join(mkdtempSync(join(tmpdir(), 'kawa-diff-')), 'corpus.jsonl');
    const gen = spawnSync(process.execPath, [shared('corpus/gen-eks-audit.mjs'), '--count', String(COUNT), '--seed', String(SEED),
      '--attack-rate', '0.01', '--truncate-at', '10000', '--out', corpus], { encoding: 'utf8' });
    expect(gen.status, gen.stderr).toBe(0);

    const load = loadRulesFiles([RULES]);
    expect(load.errors).toEqual([]);
    const engine = Engine.create({ rules: load, ruleMatching: 'all' });
    const reference = new ReferenceEvaluator(load, 'all');
    const cmp = emptyComparison();
    for await (const b of new FileSource([corpus])) {
      compareBatch(engine, reference, b.data, b.offsets, b.count, (k) => `line ${b.lines[k]}`, cmp);
    }
    const { differences, ...counts } = cmp;
    console.log(`differential: ${JSON.stringify(counts)}, ${differences.length} differences`);
    expect(differences.slice(0, 20)).toEqual([]);
    expect(cmp.payloads).toBe(COUNT);
    expect(cmp.skippedNotCanonical).toBe(0);
    // the corpus has attacks and truncations: the comparison is not vacuous
    expect(cmp.referenceMatches).toBeGreaterThan(COUNT / 200);
    expect(cmp.skippedTruncated).toBeGreaterThan(0);
  }, 300_000);
});
