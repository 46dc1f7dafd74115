/** What sampling and mutation need from a random generator; search/rng.ts provides the seeded one. */
export interface RandomSource {
  /** A double in [0, 1). */
  random(): number;
  /** One element, uniformly (Python's random.choice). */
  choice<T>(seq: readonly T[]): T;
  /** n elements with replacement (Python's random.choices(pop, k=n)). */
  choices<T>(pop: readonly T[], n: number): T[];
}
