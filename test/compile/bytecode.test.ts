// assembly/vm-bytecode.ts mirrors src/compile/bytecode.ts by hand: every constant must agree.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as B from '../../src/compile/bytecode.js';

describe('bytecode mirror', () => {
  it('assembly/vm-bytecode.ts has the same numbers as src/compile/bytecode.ts', () => {
    const text = readFileSync('assembly/vm-bytecode.ts', 'utf8');
    const mirrored = Object.fromEntries([...text.matchAll(/export const (\w+): \w+ = (0x[0-9a-f]+|\d+);/g)].map((m) => [m[1], Number(m[2])]));
    const ts = Object.fromEntries(Object.entries(B).filter(([, v]) => typeof v === 'number'));
    expect(mirrored).toEqual(ts);
  });
});
