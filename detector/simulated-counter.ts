// A simulated counting module: a Poisson source of a set rate, counted on the kit's clock, read
// and cleared like the real module's scaler. An instructor (or a test) can change its rate and
// make its reads fail, through the kit's simulator back door (detector-simulator.ts).

import type { Clock } from '../src/kit/index.js';

/** mulberry32: a small seeded generator, so a seed gives the same counts every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Poisson count of mean `mean`: exact below 30 (Knuth), a rounded normal above. */
export function poisson(mean: number, random: () => number): number {
  if (mean <= 0) return 0;
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = random(); p > limit; p *= random()) k++;
    return k;
  }
  const u = Math.max(random(), Number.MIN_VALUE);
  const gauss = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * gauss));
}

export class SimulatedCounter {
  private readonly random: () => number;
  private lastRead: number;
  /** True count rate, counts per second. */
  rateHz: number;
  /** While set, a read fails as a module that stopped answering would. */
  failing = false;

  constructor(
    readonly module: string,
    private readonly clock: Clock,
    options: { rateHz: number; seed: number },
  ) {
    this.rateHz = options.rateHz;
    this.random = seeded(options.seed);
    this.lastRead = clock.now();
  }

  /** The counts since the last read, and the counter cleared. */
  async read(): Promise<number> {
    if (this.failing) throw new Error(`module ${this.module} does not answer`);
    const now = this.clock.now();
    const counts = poisson((this.rateHz * (now - this.lastRead)) / 1000, this.random);
    this.lastRead = now;
    return counts;
  }
}
