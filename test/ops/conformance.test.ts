// Every `compare` case of the shared conformance data, through the WebAssembly operators. The
// `falco_wildcard` cases test the rules-selection wildcard, which belongs to the rules loader: skipped here.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeShared, HAS_SHARED, shared } from '../shared-data.js';
import { compare } from './wasm-ops.js';

interface CompareCase { kind: string; op: string; lhs: string; rhs: string | string[]; type?: string; expect: boolean }

const data = HAS_SHARED ? JSON.parse(readFileSync(shared('conformance/rules-language/cases.json'), 'utf8')) : [];
const all = (Array.isArray(data) ? data : data.cases) as CompareCase[];
const cases = all.filter((c) => c.kind === 'compare' && c.op !== 'falco_wildcard');

describeShared('conformance compare cases', () => {
  it('covers the 170 operator cases (186 minus 16 falco_wildcard)', () => {
    expect(all.filter((c) => c.kind === 'compare').length).toBe(186);
    expect(cases.length).toBe(170);
  });
  it.each(cases.map((c, i) => [i, c] as const))('#%i', (_i, c) => {
    expect({ ...c, got: compare(c.op, c.lhs, c.rhs, c.type) }).toEqual({ ...c, got: c.expect });
  });
});
