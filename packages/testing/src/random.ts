/** Seeded randomness for tests that must replay exactly. */

/**
 * A seeded pseudo-random generator (mulberry32) in [0, 1), for tests that draw their steps at
 * random yet must replay exactly from the seed they print. Not for anything secret.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
