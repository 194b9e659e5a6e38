/**
 * A small seeded pseudo-random generator for tests: the same seed gives the same run, so a failure
 * can be replayed.
 *
 * @module
 */

/** A small seeded PRNG (mulberry32): the same seed gives the same drops and delays. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
