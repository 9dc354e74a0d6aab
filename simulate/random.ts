// Seeded pseudo-random numbers for the simulator: the same seed gives the same days, on any machine.

/** A deterministic source of numbers in [0, 1) with the draws a simulated life needs. */
export interface Rng {
  next: () => number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Normal with mean and standard deviation (Box–Muller). */
  normal(mean: number, standardDeviation: number): number;
  /** Poisson count with mean `lambda` (Knuth; lambdas here are small). */
  poisson(lambda: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** 32-bit FNV-1a of a string: turns (seed, home, day) into an independent stream seed. */
export function hashSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: tiny, fast and good enough for behaviour (not for secrets). */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    normal(mean, standardDeviation) {
      const u = 1 - next();
      const v = next();
      return mean + standardDeviation * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    poisson(lambda) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = next();
      while (p > limit) {
        k += 1;
        p *= next();
      }
      return k;
    },
    chance: (probability) => next() < probability,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      // A floor of [0, 1) × length is an index of the list; `T` itself may include undefined.
      return items.at(Math.floor(next() * items.length)) as T;
    },
  };
}
