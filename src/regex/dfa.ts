// Turns a regex NFA into a DFA by subset construction, when the result stays small (layout in
// assembly/regex.ts). Bytes that no instruction tells apart share one column of the transition table.
import { Emitter, I_BOL, I_BYTE, I_EOL, I_JMP, I_MATCH, I_SET, I_SPLIT, KIND_DFA } from './nfa.js';

// When the program has no assertions left and its subset construction stays small, the regex is shipped as
// a DFA: one table lookup per byte. Otherwise the NFA is shipped and simulated. Both are linear.

const DFA_MAX_INSTRUCTIONS = 4096;
const DFA_MAX_STATES = 1024;
const DFA_MAX_TABLE_BYTES = 1 << 18;
const DEAD = 0xffff;

export function buildDfa(e: Emitter): Uint8Array | null {
  const n = e.op.length;
  if (n > DFA_MAX_INSTRUCTIONS || e.op.some((op) => op === I_BOL || op === I_EOL)) return null;
  const consumes = (pc: number): boolean => e.op[pc] === I_BYTE || e.op[pc] === I_SET;
  const accepts = (pc: number, b: number): boolean =>
    e.op[pc] === I_BYTE ? b >= e.lo[pc] && b <= e.hi[pc] : (e.sets[e.arg[pc]][b >> 3] & (1 << (b & 7))) !== 0;

  // byte classes: bytes no instruction tells apart share a column of the transition table
  let classOf = new Uint8Array(256);
  let classCount = 1;
  const refinedBy = new Set<string>();
  for (let pc = 0; pc < n; pc++) {
    if (!consumes(pc)) continue;
    const key = e.op[pc] === I_BYTE ? `${e.lo[pc]}-${e.hi[pc]}` : `s${e.arg[pc]}`;
    if (refinedBy.has(key)) continue;
    refinedBy.add(key);
    const refined = new Uint8Array(256);
    const ids = new Map<number, number>();
    for (let b = 0; b < 256; b++) {
      const k = classOf[b] * 2 + (accepts(pc, b) ? 1 : 0);
      let id = ids.get(k);
      if (id === undefined) ids.set(k, (id = ids.size));
      refined[b] = id;
    }
    classOf = refined;
    classCount = ids.size;
  }
  const representative = new Array<number>(classCount);
  for (let b = 255; b >= 0; b--) representative[classOf[b]] = b;

  /** The consuming and MATCH instructions reachable from `pcs` without consuming, sorted. */
  const closure = (pcs: number[]): number[] => {
    const seen = new Set<number>();
    const out: number[] = [];
    const stack = [...pcs];
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (seen.has(pc)) continue;
      seen.add(pc);
      const op = e.op[pc];
      if (op === I_JMP) stack.push(e.arg[pc]);
      else if (op === I_SPLIT) stack.push(pc + 1, e.arg[pc]);
      else out.push(pc);
    }
    return out.sort((a, b) => a - b);
  };

  const states: number[][] = [];
  const index = new Map<string, number>();
  const intern = (set: number[]): number => {
    if (set.length === 0) return DEAD;
    const key = set.join(',');
    let id = index.get(key);
    if (id === undefined) {
      id = states.length;
      states.push(set);
      index.set(key, id);
    }
    return id;
  };
  intern(closure([0]));
  const next: number[] = [];
  for (let s = 0; s < states.length; s++) {
    if (states.length > DFA_MAX_STATES || states.length * classCount * 2 > DFA_MAX_TABLE_BYTES) return null;
    for (let c = 0; c < classCount; c++) {
      const b = representative[c];
      const targets = states[s].filter((pc) => consumes(pc) && accepts(pc, b)).map((pc) => pc + 1);
      next.push(targets.length === 0 ? DEAD : intern(closure(targets)));
    }
  }
  const count = states.length;
  if (count > DFA_MAX_STATES || count * classCount * 2 > DFA_MAX_TABLE_BYTES) return null;
  const out = new Uint8Array(12 + 256 + count + count * classCount * 2);
  const view = new DataView(out.buffer);
  view.setUint32(0, KIND_DFA, true);
  view.setUint32(4, count, true);
  view.setUint32(8, classCount, true);
  out.set(classOf, 12);
  states.forEach((set, i) => { out[12 + 256 + i] = set.some((pc) => e.op[pc] === I_MATCH) ? 1 : 0; });
  const table = 12 + 256 + count;
  next.forEach((t, i) => view.setUint16(table + i * 2, t, true));
  return out;
}

