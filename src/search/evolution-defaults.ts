// The evolution's options and the lab's defaults, in a leaf module: the CLI's flag table reads them at start-up.

export interface EvolutionOptions {
  population: number;
  generations: number;
  parentRatio: number;
  mutationRatio: number;
  archMutateProb: number;
  resolutionMutateProb: number;
  /** Redraws allowed per child before falling back (bounded rejection sampling). */
  maxTries?: number;
  /** After each generation: its number (1-based), the best predicted accuracy so far, and how many candidates (all within the budget) were predicted so far. */
  onGeneration?: (generation: number, best: number, feasible: number) => void;
}

/** The lab's defaults (evolution.py); max_time_budget is the number of generations. */
export const LAB_EVOLUTION_DEFAULTS: EvolutionOptions = {
  population: 100,
  generations: 500,
  parentRatio: 0.25,
  mutationRatio: 0.5,
  archMutateProb: 0.1,
  resolutionMutateProb: 0.5,
};
