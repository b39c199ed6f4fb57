// Fuzzing the engine with mutated audit events: it must never throw or hang, and wherever the input is
// canonical JSON in valid UTF-8 (the reference evaluator's domain) it must agree with the reference.
// KAWA_FUZZ_SEED / KAWA_FUZZ_ROUNDS change the run (default seed 7, 3000 mutants of each kind).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { loadRulesFiles } from '../../src/rules/load.js';
import { compareBatch, emptyComparison } from '../differential/compare.js';
import { ReferenceEvaluator } from '../reference/evaluator.js';
import { describeShared, shared } from '../shared-data.js';
import { mutateBytes, mutateStructure, rng } from './mutate.js';

const SEED = Number(process.env.KAWA_FUZZ_SEED ?? 7);
const ROUNDS = Number(process.env.KAWA_FUZZ_ROUNDS ?? 3000);
const DATA = shared('conformance/k8saudit');
const enc = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function seeds(): string[] {
  const out: string[] = [];
  for (const f of readdirSync(join(DATA, 'traces'))) {
    for (const line of readFileSync(join(DATA, 'traces', f), 'utf8').split('\n')) if (line.trim().startsWith('{"')) out.push(line.trim());
  }
  const gen = spawnSync(process.execPath, [shared('corpus/gen-eks-audit.mjs'), '--count', '400', '--seed', String(SEED), '--attack-rate', '0.2'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  out.push(...gen.stdout.split('\n').filter((l) => l.length > 0 && l.length < 20000));
  return out;
}

function pack(payloads: Uint8Array[]): { data: Uint8Array; offsets: Uint32Array } {
  const offsets = new Uint32Array(payloads.length + 1);
  for (let i = 0; i < payloads.length; i++) offsets[i + 1] = offsets[i] + payloads[i].length;
  const data = new Uint8Array(offsets[payloads.length]);
  payloads.forEach((p, i) => data.set(p, offsets[i]));
  return { data, offsets };
}

const isValidUtf8 = (b: Uint8Array) => { try { strictUtf8.decode(b); return true; } catch { return false; } };

describeShared('fuzz: mutated events through the engine', () => {
  const base = seeds();
  const load = loadRulesFiles([join(DATA, 'rules', 'k8s_audit_rules.yaml')]);
  const engine = Engine.create({ rules: load, ruleMatching: 'all' });
  const reference = new ReferenceEvaluator(load, 'all');

  function run(mutants: Uint8Array[]) {
    const cmp = emptyComparison();
    const started = Date.now();
    let slowest = 0;
    for (let i = 0; i < mutants.length; i += 50) {
      const chunk = mutants.slice(i, i + 50);
      // every mutant goes through the engine; only those in the reference's domain are compared
      const t0 = Date.now();
      const { data, offsets } = pack(chunk);
      expect(() => engine.evaluate(data, offsets, chunk.length)).not.toThrow();
      slowest = Math.max(slowest, Date.now() - t0);
      const comparable = chunk.filter(isValidUtf8);
      const p = pack(comparable);
      compareBatch(engine, reference, p.data, p.offsets, comparable.length, (k) => JSON.stringify(new TextDecoder().decode(comparable[k]).slice(0, 300)), cmp);
    }
    return { cmp, ms: Date.now() - started, slowest };
  }

  it(`byte mutants (seed ${SEED}): no crash, no hang, agreement where comparable`, () => {
    const r = rng(SEED);
    const mutants = Array.from({ length: ROUNDS }, () => mutateBytes(r, enc.encode(base[Math.floor(r() * base.length)])));
    const { cmp, ms, slowest } = run(mutants);
    const { differences, ...counts } = cmp;
    console.log(`fuzz bytes: ${JSON.stringify(counts)}, ${differences.length} differences, ${ms} ms, slowest batch ${slowest} ms`);
    expect(differences.slice(0, 10)).toEqual([]);
    expect(slowest).toBeLessThan(5000);
  }, 300_000);

  it(`structural mutants (seed ${SEED}): identical results to the reference`, () => {
    const r = rng(SEED + 1);
    const mutants = Array.from({ length: ROUNDS }, () => enc.encode(mutateStructure(r, JSON.parse(base[Math.floor(r() * base.length)]))));
    const { cmp, ms } = run(mutants);
    const { differences, ...counts } = cmp;
    console.log(`fuzz structure: ${JSON.stringify(counts)}, ${differences.length} differences, ${ms} ms`);
    expect(differences.slice(0, 10)).toEqual([]);
    expect(cmp.skippedNotCanonical).toBe(0);
    expect(cmp.referenceMatches).toBeGreaterThan(0);
  }, 300_000);

  it('engine survives the pathological inputs outright', () => {
    const inputs = ['', ' ', 'null', '[]', '{}', '[[[[', ']]]]', '"', '{"kind":"EventList","items":[]}', '['.repeat(200000),
      `{"kind":"Event","stageTimestamp":"2024-05-01T10:00:00Z","auditID":${'['.repeat(299)}${']'.repeat(299)}}`,
      '{"kind":"Event","stageTimestamp":"2024-05-01T10:00:00Z","auditID":"a","verb":"\\ud800\\u0000\\q"}'].map((s) => enc.encode(s));
    const { data, offsets } = pack(inputs);
    const res = engine.evaluate(data, offsets, inputs.length);
    expect(res.rejections.length + res.events).toBeGreaterThan(0);
  });
});
