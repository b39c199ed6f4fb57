// Seeded pseudo-random numbers, so every probabilistic knob replays identically for a given seed.
// Each consumer (faults, visibility, generator) derives its own stream from (seed, purpose): changing one
// knob then never shifts the random sequence another knob sees.

export type Random = () => number;

/** mulberry32: tiny, fast, good enough for test scheduling (not for cryptography). */
export function createRandom(seed: number, purpose: string): Random {
  let s = (seed ^ hashString(purpose)) >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a 32-bit. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Standard normal deviate (Box-Muller), for long-tail delay distributions. */
export function normal(random: Random): number {
  const u = Math.max(random(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** n lowercase hex digits. */
export function randomHex(random: Random, n: number): string {
  let r = '';
  for (let i = 0; i < n; i++) r += '0123456789abcdef'[Math.floor(random() * 16)];
  return r;
}
