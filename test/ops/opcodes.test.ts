// The AssemblyScript opcode enums are generated from src/compile/opcodes.ts and must not drift from it.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Op, modId, opId } from '../../src/compile/opcodes.js';

describe('opcodes', () => {
  it('assembly/opcodes.ts is up to date with src/compile/opcodes.ts', () => {
    expect(() => execFileSync(process.execPath, ['scripts/gen-opcodes.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });
  it('maps operator text to ids', () => {
    expect(opId('=')).toBe(Op.EQ);
    expect(opId('==')).toBe(Op.EQ);
    expect(opId('bcontains')).toBeUndefined();
    expect(modId(undefined)).toBe(0);
  });
});
